#include "s2s/gateway_routing.hpp"

#include <algorithm>

namespace vpngw::s2s {

RoutePlan plan_routes(const std::vector<TunnelView>& tunnels, const std::vector<StaticRoute>& statics,
                      GatewayKind kind, bool vpn_ecmp_support) {
  std::map<IpPrefix, std::vector<Candidate>, PrefixLess> candidates;
  for (const auto& t : tunnels) {
    if (!t.reachable || !t.bgp_up) continue;
    for (const auto& r : t.routes)
      candidates[r.prefix].push_back({RouteSource::vpn_bgp, t.tunnel, r.as_path_length, r.first_as, r.med});
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
