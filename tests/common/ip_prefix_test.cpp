#include <gtest/gtest.h>

#include "common/ip_prefix.hpp"

namespace vpngw {
namespace {

TEST(IpPrefix, ParsesAndPrints) {
  EXPECT_EQ(IpPrefix::parse("10.0.0.0/8")->to_string(), "10.0.0.0/8");
  EXPECT_EQ(IpPrefix::parse("192.0.2.7")->length, 32);
  EXPECT_EQ(IpPrefix::parse("2001:db8::/32")->to_string(), "2001:db8::/32");
  EXPECT_EQ(IpPrefix::parse("::/0")->length, 0);
}

TEST(IpPrefix, RejectsBadInput) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.1/8", "10.0.0/8", "fe80::/129", "x/1",
                          "10.0.0.0/8x", "10.0.0.0/-1", "2001:db8::1/32"}) {
    EXPECT_FALSE(IpPrefix::parse(bad)) << bad;
  }
}

TEST(IpPrefix, Contains) {
  auto p = *IpPrefix::parse("169.254.10.0/30");
  EXPECT_TRUE(p.contains(*IpAddress::parse("169.254.10.2")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("169.254.10.4")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("::1")));
}

}  // namespace
}  // namespace vpngw
