#include "s2s/gateway_routing.hpp"

#include <algorithm>

namespace vpngw::s2s {
namespace {

// The customer's local-preference tag on a Direct Connect route: 7224:7100, 7200 or 7300 (the
// number after "7224:"); with several, the most preferred.
std::optional<uint16_t> dx_preference_community(const std::vector<uint32_t>& communities) {
  std::optional<uint16_t> best;
  for (uint32_t c : communities) {
    const uint16_t value = uint16_t(c & 0xffff);
    if (c >> 16 != 7224 || (value != 7100 && value != 7200 && value != 7300)) continue;
    if (!best || value > *best) best = value;
  }
  return best;
}

}  // namespace

RoutePlan plan_routes(const std::vector<TunnelView>& tunnels, const std::vector<StaticRoute>& statics,
                      GatewayKind kind, bool vpn_ecmp_support) {
  std::map<IpPrefix, std::vector<Candidate>, PrefixLess> candidates;
  for (const auto& t : tunnels) {
    if (!t.reachable || !t.bgp_up) continue;
    for (const auto& r : t.routes)
      candidates[r.prefix].push_back({t.direct_connect ? RouteSource::direct_connect_bgp : RouteSource::vpn_bgp, t.tunnel,
                                      r.as_path_length, r.first_as, r.med,
                                      t.direct_connect ? dx_preference_community(r.communities) : std::nullopt});
  }
  for (const auto& s : statics) {
    const bool up = std::any_of(tunnels.begin(), tunnels.end(),
                                [&](const TunnelView& t) { return t.tunnel == s.tunnel && t.reachable && t.ipsec_up; });
    if (up) candidates[s.prefix].push_back({RouteSource::vpn_static, s.tunnel, 0, 0, std::nullopt});
  }
  RoutePlan plan;
  for (const auto& [prefix, c] : candidates) {
    auto chosen = select_tunnels(c, kind, vpn_ecmp_support);
    if (!chosen.empty()) plan.emplace(prefix, std::move(chosen));
  }
  return plan;
}

}  // namespace vpngw::s2s
