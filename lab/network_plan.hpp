// What a lab's network is, before anything exists: the nodes (one namespace each), bridges, veth
// pairs with their addresses, static routes and sysctls a topology needs. I/O-free, so a unit
// test reads the whole wiring; lab/executor.hpp applies it through netlink.
//
//   net      the lab internet: bridge br0 (198.51.100.0/24), one port per outside address
//   cgw      customer gateway: out0 on the internet, bridge lan0 (the on-prem LAN's first address)
//   t1, t2   AWS tunnel endpoints: out0 on the internet, vgw0 to the VPC router (100.64.0.0/30, .4/30)
//   vgw      the VPC router with a VPN connection (`router` without one): one bridge per subnet
//            holding the subnet's first address (AWS's VPC router)
//   cgw, vgw with Direct Connect: one veth dx<i> between them per connection (802.1Q on it)
//   cvpn     the Client VPN endpoint: out0 on the internet, bridge br-<subnet bridge> per ENI,
//            joined to the subnet's bridge by a veth
//   hosts    eth0 in their segment's bridge, default route via its first address
//   clients  out0 on the internet, default route via the home router (198.51.100.254)
//   and what the topology wires itself ([[node]], [[bridge]], [[link]], [[route]])
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "lab/topology.hpp"
#include "lab/wiring.hpp"

namespace vpngw::lab {

struct NetworkPlan {
  std::vector<std::string> nodes;  // namespace PREFIX-<node>
  std::vector<Bridge> bridges;
  std::vector<Veth> veths;
  std::vector<StaticRoute> routes;
  std::vector<Sysctl> sysctls;
  std::vector<DeviceAddress> addresses;  // on devices that exist already (a node's lo)
  std::string vpc_router;  // "vgw" with a VPN connection, "router" without
};

NetworkPlan plan_network(const Topology& t);
// What a topology wires itself, added to a plan (also alone: `vpngw lab extend` on a running lab).
void add_wiring(NetworkPlan& p, const Wiring& w);

// The fixed inside links between the tunnel endpoints and the VPC router.
inline constexpr std::string_view kTunnel1Link = "100.64.0.1";  // t1's end; the router's is .2
inline constexpr std::string_view kTunnel2Link = "100.64.0.5";  // t2's end; the router's is .6

}  // namespace vpngw::lab
