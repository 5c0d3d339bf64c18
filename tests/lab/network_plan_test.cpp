// The network a topology makes, read before anything is built: which nodes, which bridges hold
// which gateway addresses, how each veth joins two nodes, and the routes and sysctls the lab's
// forwarding depends on.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "lab/network_plan.hpp"
#include "lab/topology.hpp"

namespace vpngw::lab {
namespace {

const std::string kTopologies = VPNGW_SOURCE_DIR "/lab/topologies";

NetworkPlan plan_of(const std::string& name) { return plan_network(load_topology(kTopologies + "/" + name + ".toml", "/work")); }

const Veth* veth_to(const NetworkPlan& p, const std::string& node, const std::string& device) {
  for (const auto& v : p.veths)
    if ((v.a.node == node && v.a.device == device) || (v.b.node == node && v.b.device == device)) return &v;
  return nullptr;
}

bool has_sysctl(const NetworkPlan& p, const std::string& node, const std::string& key, const std::string& value) {
  return std::any_of(p.sysctls.begin(), p.sysctls.end(), [&](const Sysctl& s) { return s.node == node && s.key == key && s.value == value; });
}

TEST(NetworkPlan, DefaultLabWiring) {
  const auto p = plan_of("default");
  EXPECT_EQ(p.nodes, (std::vector<std::string>{"net", "cgw", "t1", "t2", "vgw", "cvpn", "onprem", "vpc", "alice", "bob"}));
  EXPECT_EQ(p.vpc_router, "vgw");

  // The lab internet carries the DNS and the clients' home router when there are clients.
  ASSERT_FALSE(p.bridges.empty());
  EXPECT_EQ(p.bridges[0].name, "br0");
  ASSERT_EQ(p.bridges[0].addresses.size(), 2u);
  EXPECT_EQ(p.bridges[0].addresses[0].to_string(), "198.51.100.53/24");

  const Veth* cgw = veth_to(p, "cgw", "out0");
  ASSERT_TRUE(cgw);
  EXPECT_EQ(cgw->a.address->to_string(), "198.51.100.2/24");
  EXPECT_EQ(cgw->b.node, "net");
  EXPECT_EQ(cgw->b.bridge, "br0");

  const Veth* az_a = veth_to(p, "t1", "vgw0");
  ASSERT_TRUE(az_a);
  EXPECT_EQ(az_a->a.address->to_string(), "100.64.0.1/30");
  EXPECT_EQ(az_a->b.node, "vgw");
  EXPECT_EQ(az_a->b.address->to_string(), "100.64.0.2/30");

  // Hosts: eth0 with their address, a port of their segment's bridge, default via its gateway.
  const Veth* onprem = veth_to(p, "onprem", "eth0");
  ASSERT_TRUE(onprem);
  EXPECT_EQ(onprem->a.node, "cgw");
  EXPECT_EQ(onprem->a.bridge, "lan0");
  EXPECT_EQ(onprem->b.address->to_string(), "10.0.0.10/24");
  const Veth* vpc = veth_to(p, "vpc", "eth0");
  ASSERT_TRUE(vpc);
  EXPECT_EQ(vpc->a.node, "vgw");
  EXPECT_EQ(vpc->a.bridge, "s0");

  // The ENI's bridge at the endpoint is joined to the subnet's bridge at the VPC router.
  const Veth* eni = veth_to(p, "cvpn", "v-s0");
  ASSERT_TRUE(eni);
  EXPECT_EQ(eni->a.bridge, "br-s0");
  EXPECT_EQ(eni->b.node, "vgw");
  EXPECT_EQ(eni->b.bridge, "s0");

  auto route = [&](const std::string& node, const std::string& prefix) -> std::string {
    for (const auto& r : p.routes)
      if (r.node == node && r.prefix.to_string() == prefix) return r.via.to_string();
    return "";
  };
  EXPECT_EQ(route("t1", "10.1.0.0/16"), "100.64.0.2");
  EXPECT_EQ(route("t2", "10.1.0.0/16"), "100.64.0.6");
  EXPECT_EQ(route("onprem", "0.0.0.0/0"), "10.0.0.1");
  EXPECT_EQ(route("vpc", "0.0.0.0/0"), "10.1.0.1");
  EXPECT_EQ(route("alice", "0.0.0.0/0"), "198.51.100.254");

  for (const char* n : {"cgw", "t1", "t2", "vgw", "net"}) EXPECT_TRUE(has_sysctl(p, n, "net.ipv4.ip_forward", "1")) << n;
  EXPECT_FALSE(has_sysctl(p, "vgw", "net.ipv4.fib_multipath_hash_policy", "1"));
  for (const auto& n : p.nodes) EXPECT_TRUE(has_sysctl(p, n, "net.ipv4.conf.all.rp_filter", "0")) << n;
}

TEST(NetworkPlan, TransitGatewayHashesFlowsAndRoutesEveryVpc) {
  const auto p = plan_of("s2s-tgw");
  EXPECT_TRUE(has_sysctl(p, "vgw", "net.ipv4.fib_multipath_hash_policy", "1"));
  size_t t1_routes = 0;
  for (const auto& r : p.routes) t1_routes += r.node == "t1";
  EXPECT_EQ(t1_routes, 2u);
  EXPECT_TRUE(veth_to(p, "vpc2", "eth0"));
}

TEST(NetworkPlan, ClientVpnOnlyLabHasARouterAndNoCustomerGateway) {
  const auto p = plan_of("clientvpn");
  EXPECT_EQ(p.vpc_router, "router");
  EXPECT_EQ(std::count(p.nodes.begin(), p.nodes.end(), "cgw"), 0);
  EXPECT_TRUE(veth_to(p, "cvpn", "v-s1"));
  // Every device name fits the kernel's 15 characters.
  for (const auto& v : p.veths)
    for (const VethEnd* e : {&v.a, &v.b}) EXPECT_LE(e->device.size(), 15u) << e->device;
}

}  // namespace
}  // namespace vpngw::lab
