#include <gtest/gtest.h>

#include "dataplane/replay_window.hpp"

namespace vpngw {
namespace {

using V = ReplayWindow::Verdict;

TEST(ReplayWindow, FirstPacketsAndDuplicates) {
  ReplayWindow w(64);
  EXPECT_EQ(w.check(0), V::too_old);  // 0 is never sent
  EXPECT_EQ(w.check(1), V::ok);
  w.accept(1);
  EXPECT_EQ(w.check(1), V::replayed);
  EXPECT_EQ(w.check(3), V::ok);
  w.accept(3);
  EXPECT_EQ(w.check(2), V::ok);  // late but inside the window
  w.accept(2);
  EXPECT_EQ(w.check(2), V::replayed);
}

class ReplayWindowSizes : public ::testing::TestWithParam<uint32_t> {};

TEST_P(ReplayWindowSizes, LeftEdgeIsExact) {
  const uint32_t size = GetParam();
  ReplayWindow w(size);
  const uint64_t top = 100000;
  w.accept(top);
  EXPECT_EQ(w.check(top - size + 1), V::ok) << "the oldest number inside the window";
  EXPECT_EQ(w.check(top - size), V::too_old) << "the first number outside it";
  w.accept(top - size + 1);
  EXPECT_EQ(w.check(top - size + 1), V::replayed);
  // Every number inside the window can be accepted once, in any order.
  for (uint64_t s = top - 1; s > top - size + 1; --s) {
    ASSERT_EQ(w.check(s), V::ok) << s;
    w.accept(s);
  }
  for (uint64_t s = top - size + 1; s <= top; ++s) ASSERT_EQ(w.check(s), V::replayed) << s;
}

TEST_P(ReplayWindowSizes, FarAheadClearsStaleBits) {
  const uint32_t size = GetParam();
  ReplayWindow w(size);
  for (uint64_t s = 1; s <= 3 * size; ++s) w.accept(s);
  const uint64_t jump = 3 * size + 5 * size + 17;  // far beyond the window
  EXPECT_EQ(w.check(jump), V::ok);
  w.accept(jump);
  EXPECT_EQ(w.check(jump), V::replayed);
  // Numbers between the old and new top were never seen: they must be fresh, not "replayed".
  for (uint64_t s = jump - size + 1; s < jump; ++s) ASSERT_EQ(w.check(s), V::ok) << s;
  EXPECT_EQ(w.check(jump - size), V::too_old);

  // A jump of less than one window keeps what is still inside it.
  ReplayWindow v(size);
  v.accept(1000);
  v.accept(1000 + size / 2);
  EXPECT_EQ(v.check(1000), size / 2 < size ? V::replayed : V::too_old);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReplayWindowSizes, ::testing::Values(64u, 100u, 1024u, 2048u));

TEST(ReplayWindow, SizeIsClampedToTheAllowedRange) {
  EXPECT_EQ(ReplayWindow(1).size(), 64u);
  EXPECT_EQ(ReplayWindow(4096).size(), 2048u);
  EXPECT_EQ(ReplayWindow().size(), 1024u);
}

TEST(ReplayWindowEsn, WithoutEsnTheWireNumberIsTheNumber) {
  ReplayWindow w;
  w.accept(0xfffffff0u);
  EXPECT_EQ(w.infer(5, false), 5u);
}

TEST(ReplayWindowEsn, InfersTheNextEpochAcrossTheLow32BitWrap) {
  ReplayWindow w(1024);
  w.accept(0xfffffff0ull);
  // Case A (window inside epoch 0): small numbers belong to epoch 1.
  EXPECT_EQ(w.infer(5, true), 0x100000005ull);
  EXPECT_EQ(w.infer(0xffffffe0u, true), 0xffffffe0ull);
  w.accept(0x100000005ull);
  // Case B (window straddles the wrap): large numbers belong to epoch 0, small ones to epoch 1.
  EXPECT_EQ(w.infer(0xfffffff5u, true), 0xfffffff5ull);
  EXPECT_EQ(w.check(0xfffffff5ull), V::ok);
  EXPECT_EQ(w.check(0xfffffff0ull), V::replayed);
  EXPECT_EQ(w.infer(3, true), 0x100000003ull);
  EXPECT_EQ(w.infer(0, true), 0x100000000ull);  // low bits 0 are valid once past the first epoch
  EXPECT_EQ(w.check(0x100000000ull), V::ok);
}

TEST(ReplayWindowEsn, NothingBeforeTheFirstEpoch) {
  ReplayWindow w(1024);
  w.accept(10);
  // Numbers that would belong to epoch -1 are invalid (0), not a wrap to epoch 2^32-1.
  EXPECT_EQ(w.infer(0xffffff00u, true), 0u);
  EXPECT_EQ(w.check(w.infer(0xffffff00u, true)), V::too_old);
}

}  // namespace
}  // namespace vpngw
