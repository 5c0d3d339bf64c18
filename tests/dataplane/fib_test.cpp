#include <gtest/gtest.h>

#include "dataplane/fib.hpp"

namespace vpngw {
namespace {

FibRoute route(const char* prefix, TunnelId t) { return {*IpPrefix::parse(prefix), t}; }
std::optional<TunnelId> find(const Fib& f, const char* addr) { return f.lookup(*IpAddress::parse(addr)); }

TEST(Fib, LongestPrefixWinsIpv4) {
  Fib f({route("0.0.0.0/0", 9), route("10.0.0.0/8", 1), route("10.1.0.0/16", 2), route("10.1.2.0/24", 3),
         route("10.1.2.3/32", 4)});
  struct Row {
    const char* dst;
    std::optional<TunnelId> want;
  } rows[] = {{"10.1.2.3", 4}, {"10.1.2.4", 3}, {"10.1.3.1", 2}, {"10.200.0.1", 1}, {"192.0.2.1", 9},
              {"10.1.2.255", 3}, {"11.0.0.0", 9}};
  for (const auto& r : rows) EXPECT_EQ(find(f, r.dst), r.want) << r.dst;
  EXPECT_EQ(f.size(), 5u);
}

TEST(Fib, NoDefaultMeansNoRoute) {
  Fib f({route("10.0.0.0/8", 1)});
  EXPECT_EQ(find(f, "192.0.2.1"), std::nullopt);
  EXPECT_EQ(find(f, "2001:db8::1"), std::nullopt);
  EXPECT_EQ(Fib().lookup_v4(0x0a000001), std::nullopt);
}

TEST(Fib, LongestPrefixWinsIpv6AndFamiliesStayApart) {
  Fib f({route("::/0", 7), route("2001:db8::/32", 1), route("2001:db8:1::/48", 2), route("2001:db8:1::1/128", 3),
         route("10.0.0.0/8", 4)});
  EXPECT_EQ(find(f, "2001:db8:1::1"), 3u);
  EXPECT_EQ(find(f, "2001:db8:1::2"), 2u);
  EXPECT_EQ(find(f, "2001:db8:ffff::1"), 1u);
  EXPECT_EQ(find(f, "fd00::1"), 7u);
  EXPECT_EQ(find(f, "10.1.1.1"), 4u);
  EXPECT_EQ(find(f, "192.0.2.1"), std::nullopt);  // ::/0 does not cover IPv4
}

TEST(Fib, LaterDuplicateReplacesEarlier) {
  Fib f({route("10.0.0.0/8", 1), route("10.0.0.0/8", 2)});
  EXPECT_EQ(find(f, "10.9.9.9"), 2u);
  EXPECT_EQ(f.size(), 1u);
}

TEST(Fib, ManyPrefixesOfOneLength) {
  std::vector<FibRoute> routes;
  for (uint32_t i = 0; i < 1000; ++i) routes.push_back({IpPrefix{IpAddress::v4_from_host_order(0x0a000000 | i << 8), 24}, i});
  Fib f(routes);
  for (uint32_t i = 0; i < 1000; i += 37) EXPECT_EQ(f.lookup_v4(0x0a000000 | i << 8 | 77), i);
  EXPECT_EQ(f.lookup_v4(0x0a000000 | 1000u << 8), std::nullopt);
}

TEST(Fib, MultipathGroupsResolvePerFlowHash) {
  Fib f({route("10.0.0.0/8", 9), FibRoute{*IpPrefix::parse("10.1.0.0/16"), 0, {3, 5}}});
  const auto plain = find(f, "10.9.9.9");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(Fib::is_group(*plain));
  EXPECT_EQ(f.resolve(*plain, 12345), 9u);
  const auto group = find(f, "10.1.2.3");
  ASSERT_TRUE(group);
  EXPECT_TRUE(Fib::is_group(*group));
  EXPECT_EQ(f.resolve(*group, 0), 3u);
  EXPECT_EQ(f.resolve(*group, 1), 5u);
  EXPECT_EQ(f.resolve(*group, 7), 5u);
}

}  // namespace
}  // namespace vpngw
