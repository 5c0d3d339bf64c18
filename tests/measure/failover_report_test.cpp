// The failover numbers from a synthetic stream with a known outage, duplicate and reordering.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "measure/failover_report.hpp"

namespace vpngw::measure {
namespace {

constexpr int64_t ms = 1'000'000;

TEST(FailoverReport, CountsTheOutage) {
  // 1000 pps for 5 s; the fault at 2 s; seqs 2000-2499 lost (500 ms), 3000 duplicated,
  // 3101 arrives before 3100.
  std::vector<Arrival> a;
  for (uint64_t s = 0; s < 5000; ++s) {
    if (s >= 2000 && s < 2500) continue;
    if (s == 3100) continue;
    a.push_back({s, int64_t(s) * ms, int64_t(s) * ms + 2 * ms});
    if (s == 3000) a.push_back(a.back());
    if (s == 3101) a.push_back({3100, 3100 * ms, 3101 * ms + 3 * ms});
  }
  const auto r = analyze_failover("bfd / kill", a, 5000, 2000 * ms, 2400 * ms, 4000 * ms);
  EXPECT_EQ(r.received, 4500u);
  EXPECT_EQ(r.lost, 500u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.reordered, 1u);
  ASSERT_TRUE(r.restore_ms);
  EXPECT_NEAR(*r.restore_ms, 502, 0.01);
  EXPECT_NEAR(*r.detect_ms, 400, 0.01);
  EXPECT_NEAR(r.longest_gap_ms, 501, 0.01);
  ASSERT_TRUE(r.lost_on_return);
  EXPECT_EQ(*r.lost_on_return, 0u);
  // 10 ms bins from 1 s before the fault: 10 per bin before, none in the outage.
  EXPECT_EQ(r.bins.at(0), 10u);
  EXPECT_EQ(r.bins.at(100 + 10), 0u);
  const auto j = to_json(r);
  EXPECT_EQ(j["lost"], 500);
  const std::string svg = to_svg({r});
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("bfd / kill: lost 500, restored 502 ms, detected 400 ms"), std::string::npos);
}

TEST(FailoverReport, NeverRestored) {
  std::vector<Arrival> a;
  for (uint64_t s = 0; s < 100; ++s) a.push_back({s, int64_t(s) * ms, int64_t(s) * ms + ms});
  const auto r = analyze_failover("x", a, 1000, 100 * ms, std::nullopt);
  EXPECT_FALSE(r.restore_ms);
  EXPECT_EQ(r.lost, 900u);
  EXPECT_NE(to_svg({r}).find("restored never"), std::string::npos);
}

TEST(SequencedStream, ProbeRoundTripAndRejects) {
  std::array<uint8_t, kProbeSize> b;
  encode_probe(42, 123456789, b);
  auto a = decode_probe(b, 5);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->seq, 42u);
  EXPECT_EQ(a->sent_ns, 123456789);
  EXPECT_FALSE(decode_probe(std::span<const uint8_t>(b.data(), 63), 5));
  b[0] = 'X';
  EXPECT_FALSE(decode_probe(b, 5));
}

}  // namespace
}  // namespace vpngw::measure
