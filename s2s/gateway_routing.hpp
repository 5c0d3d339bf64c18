// The AWS gateway's routing towards on-prem, I/O-free: what each tunnel endpoint reports (its
// tunnel state and the routes its BGP session learned from the customer gateway, as the
// endpoint's management socket answers) becomes, per prefix, the tunnel(s) route_selection picks.
// The VGW router (vgw_router.hpp) polls the endpoints and installs the result.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/ip_prefix.hpp"
#include "s2s/route_selection.hpp"

namespace vpngw::s2s {

struct LearnedRoute {
  IpPrefix prefix;
  uint32_t as_path_length = 0;
  uint32_t first_as = 0;
  std::optional<uint32_t> med;
};

// One tunnel as its AWS endpoint reports it. `reachable` false: the endpoint did not answer (its
// process is dead or stopped), so nothing it reported before counts.
struct TunnelView {
  uint32_t tunnel = 0;
  bool reachable = false;
  bool ipsec_up = false;  // the Child SA is established (TunnelIKEPhase2State)
  bool bgp_up = false;    // the BGP session is Established (what CloudWatch's TunnelState means for BGP VPNs)
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

// Parsers of the endpoint's answers ("bgp routes", "bgp summary", "ike"): only the best path of
// each prefix counts, as the endpoint would announce it into the gateway. Malformed entries are
// skipped and counted in `skipped`.
std::vector<LearnedRoute> learned_routes_from_json(const nlohmann::json& answer, size_t* skipped = nullptr);
bool bgp_established_from_json(const nlohmann::json& summary);
// A member of an endpoint's answer, or the default when missing or of another type.
std::string json_string(const nlohmann::json& j, const char* key);
uint64_t json_u64(const nlohmann::json& j, const char* key);
// The first tunnel of an endpoint's `stats` answer (an endpoint runs one tunnel), or null.
const nlohmann::json* first_tunnel(const nlohmann::json& stats);
bool ipsec_up_from_json(const nlohmann::json& ike_summary);

}  // namespace vpngw::s2s
