// The policer on a fake clock: what passes over a long run is the rate (plus one burst), a burst
// passes at once after a quiet spell, and nothing is banked beyond it.
#include "dataplane/token_bucket.hpp"

#include <gtest/gtest.h>

namespace vpngw {
namespace {

TEST(TokenBucket, LongRunPassesTheRatePlusOneBurst) {
  TokenBucket b(50e6 / 8, 62'500);  // 50 Mbit/s, a 10 ms burst
  double passed = 0;
  // 100 Mbit/s offered for 2 s in 1250-byte frames: one every 100 us.
  for (int64_t t = 0; t < 2'000'000'000; t += 100'000)
    if (b.admit(1250, t)) passed += 1250;
  EXPECT_NEAR(passed, 2 * 50e6 / 8 + 62'500, 1250);
}

TEST(TokenBucket, BurstAfterQuietThenNothingBanked) {
  TokenBucket b(1000, 5000);  // 1000 bytes/s, 5000-byte burst
  int n = 0;
  while (b.admit(1000, 0)) ++n;
  EXPECT_EQ(n, 5);
  EXPECT_FALSE(b.admit(1000, 500'000'000));  // half a second: 500 bytes
  EXPECT_TRUE(b.admit(1000, 1'000'000'000));
  // An hour of silence refills only the burst.
  n = 0;
  while (b.admit(1000, 3600'000'000'000)) ++n;
  EXPECT_EQ(n, 5);
}

TEST(TokenBucket, PacketRateCountsPackets) {
  TokenBucket pps(140'000, 1'400);  // AWS's 140,000 packets/s per tunnel, 10 ms of burst
  int passed = 0;
  for (int64_t t = 0; t < 1'000'000'000; t += 2'000)  // 500,000 packets/s offered for 1 s
    passed += pps.admit(1, t);
  EXPECT_NEAR(passed, 140'000 + 1'400, 2);
}

}  // namespace
}  // namespace vpngw
