// The AWS gateway's routing towards on-prem, I/O-free: what each tunnel endpoint reports (its
// tunnel state and the routes its BGP session learned from the customer gateway, in the versioned
// "endpoint state" document) becomes, per prefix, the tunnel(s) route_selection picks.
// The VGW router (vgw_router.hpp) polls the endpoints and installs the result.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "gateway/endpoint_state.hpp"
#include "s2s/route_selection.hpp"

namespace vpngw::s2s {

// One tunnel (or Direct Connect VIF) as its AWS endpoint reports it. `reachable` false: the endpoint did not answer (its
// process is dead or stopped), so nothing it reported before counts.
struct TunnelView {
  uint32_t tunnel = 0;
  bool reachable = false;
  bool ipsec_up = false;  // the Child SA is established (TunnelIKEPhase2State)
  bool bgp_up = false;    // the BGP session is Established (what CloudWatch's TunnelState means for BGP VPNs)
  bool direct_connect = false;  // a Direct Connect VIF's session, not a tunnel's: its routes rank as DX BGP
  std::vector<LearnedRoute> routes;
};

// Static VPN routes (StaticRoutesOnly connections) count while their tunnel's IPsec SA is up.
struct StaticRoute {
  IpPrefix prefix;
  uint32_t tunnel = 0;
};

struct PrefixLess {
  bool operator()(const IpPrefix& a, const IpPrefix& b) const {
    if (a.address.v6 != b.address.v6) return a.address.v6 < b.address.v6;
    if (a.address.bytes != b.address.bytes) return a.address.bytes < b.address.bytes;
    return a.length < b.length;
  }
};
using RoutePlan = std::map<IpPrefix, std::vector<uint32_t>, PrefixLess>;  // prefix -> tunnels, sorted

RoutePlan plan_routes(const std::vector<TunnelView>& tunnels, const std::vector<StaticRoute>& statics,
                      GatewayKind kind, bool vpn_ecmp_support);

}  // namespace vpngw::s2s
