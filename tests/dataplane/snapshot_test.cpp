#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "dataplane/snapshot.hpp"

namespace vpngw {
namespace {

struct Value {
  explicit Value(int v, std::atomic<int>* live) : v(v), live(live) { ++*live; }
  ~Value() { --*live; }
  int v;
  std::atomic<int>* live;
};

TEST(Snapshot, RetiredStateLivesWhileAReaderHoldsIt) {
  std::atomic<int> live{0};
  Snapshot<Value> snap(std::make_unique<Value>(1, &live));
  auto& reader = snap.add_reader();

  const Value* seen = reader.enter();
  EXPECT_EQ(seen->v, 1);
  snap.publish(std::make_unique<Value>(2, &live));
  EXPECT_EQ(live, 2) << "the reader is inside a batch that started before the publish";
  EXPECT_EQ(seen->v, 1);
  reader.leave();
  snap.reclaim();
  EXPECT_EQ(live, 1);
  EXPECT_EQ(reader.enter()->v, 2);
  reader.leave();
}

TEST(Snapshot, IdleReadersDoNotHoldAnything) {
  std::atomic<int> live{0};
  Snapshot<Value> snap(std::make_unique<Value>(1, &live));
  snap.add_reader();
  for (int i = 2; i < 10; ++i) snap.publish(std::make_unique<Value>(i, &live));
  EXPECT_EQ(live, 1);
  EXPECT_EQ(snap.retired_count(), 0u);
}

TEST(Snapshot, ConcurrentReadersAlwaysSeeALiveState) {
  std::atomic<int> live{0};
  Snapshot<Value> snap(std::make_unique<Value>(0, &live));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::atomic<long> reads{0};
  for (int t = 0; t < 2; ++t) {
    auto& r = snap.add_reader();
    threads.emplace_back([&] {
      int last = 0;
      while (!stop) {
        const Value* v = r.enter();
        EXPECT_GE(v->v, last);  // versions only move forward
        last = v->v;
        r.leave();
        ++reads;
      }
    });
  }
  // Publish while the readers are demonstrably running: a fast publisher must not finish before the
  // reader threads have even started, or the test checks nothing.
  int version = 0;
  while (reads.load() < 20000 || version < 2000) snap.publish(std::make_unique<Value>(++version, &live));
  stop = true;
  for (auto& t : threads) t.join();
  snap.reclaim();
  EXPECT_EQ(live, 1);
  EXPECT_GE(reads.load(), 20000);
}

}  // namespace
}  // namespace vpngw
