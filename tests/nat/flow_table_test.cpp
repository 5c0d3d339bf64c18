// The flow table on its own: the memory budget, port preservation and allocation ranges, no port
// overloading even when one ENI's port space is nearly full, and expiry in LRU order.
#include <gtest/gtest.h>

#include <set>

#include "nat/flow_table.hpp"

namespace vpngw::nat {
namespace {

TEST(NatFlowTable, MillionFlowsFitTheBudget) {
  FlowTable t(1'000'000, 16);
  EXPECT_LE(double(t.memory_bytes()) / 1e6, 128.0) << "bytes per flow: " << double(t.memory_bytes()) / 1e6;
}

TEST(NatFlowTable, PortSpaceIsUsedUpWithoutOverloading) {
  FlowTable t(70000, 1);
  std::set<uint16_t> seen;
  // Every client asks for port 40000: one keeps it, the rest get distinct ports >= 1024.
  for (uint32_t c = 0; c < 64512; ++c) {  // ports 1024-65535
    auto r = t.create(0, Proto::udp, 0x0a000000 + c, 40000, TimeoutClass::udp, 0);
    ASSERT_TRUE(r) << "client " << c;
    const uint16_t port = t.at(r->index).outside_port;
    EXPECT_GE(port, 1024);
    EXPECT_TRUE(seen.insert(port).second) << "port " << port << " handed out twice";
  }
  auto r = t.create(0, Proto::udp, 0x0b000000, 40000, TimeoutClass::udp, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(int(r.error()), int(Counter::drop_ports_exhausted));
  // TCP has its own port space on the same ENI.
  EXPECT_TRUE(t.create(0, Proto::tcp, 0x0b000000, 40000, TimeoutClass::tcp_transitory, 0));
}

TEST(NatFlowTable, ExpiryPopsOnlyTimedOutMappingsAndFreesTheirPorts) {
  FlowTable t(8, 1, Timeouts{.udp = 120});
  auto a = t.create(0, Proto::udp, 1, 1000, TimeoutClass::udp, 0);
  auto b = t.create(0, Proto::udp, 2, 2000, TimeoutClass::udp, 60);
  ASSERT_TRUE(a && b);
  t.refresh(a->index, TimeoutClass::udp, 100);  // a now expires at 220, b at 180
  EXPECT_EQ(t.expire(180), 1u);
  EXPECT_EQ(t.find_inside(0, Proto::udp, 2, 2000), kNil);
  EXPECT_NE(t.find_inside(0, Proto::udp, 1, 1000), kNil);
  EXPECT_EQ(t.expire(220), 1u);
  EXPECT_EQ(t.size(), 0u);
  auto c = t.create(0, Proto::udp, 3, 1000, TimeoutClass::udp, 300);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->port_preserved) << "an expired mapping's port is free again";
}

TEST(NatFlowTable, FullTableReclaimsExpiredBeforeRefusing) {
  FlowTable t(2, 1, Timeouts{.udp = 120});
  ASSERT_TRUE(t.create(0, Proto::udp, 1, 1, TimeoutClass::udp, 0));
  ASSERT_TRUE(t.create(0, Proto::udp, 2, 2, TimeoutClass::udp, 0));
  auto full = t.create(0, Proto::udp, 3, 3, TimeoutClass::udp, 10);
  ASSERT_FALSE(full);
  EXPECT_EQ(int(full.error()), int(Counter::drop_table_full));
  EXPECT_TRUE(t.create(0, Proto::udp, 3, 3, TimeoutClass::udp, 121));
}

}  // namespace
}  // namespace vpngw::nat
