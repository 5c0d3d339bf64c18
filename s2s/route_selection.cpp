#include "s2s/route_selection.hpp"

#include <algorithm>

namespace vpngw::s2s {
namespace {

// Lower is preferred. A transit gateway has no Direct Connect BGP VPN source of its own here
// (DX reaches a TGW through a DX gateway attachment, which ranks below static: treat it so).
int source_rank(RouteSource s, GatewayKind kind) {
  if (kind == GatewayKind::transit_gateway)
    return s == RouteSource::vpn_static ? 0 : s == RouteSource::direct_connect_bgp ? 1 : 2;
  return s == RouteSource::direct_connect_bgp ? 0 : s == RouteSource::vpn_static ? 1 : 2;
}

bool is_bgp(RouteSource s) { return s != RouteSource::vpn_static; }

// AWS evaluates these before the AS_PATH, highest first. Untagged routes rank as medium: AWS's
// documentation names the three tags but not the untagged default; medium is our reading.
int dx_preference(const Candidate& c) {
  const uint16_t tag = c.dx_preference_community.value_or(7200);
  return tag == 7300 ? 0 : tag == 7100 ? 2 : 1;  // lower is preferred
}

template <typename Key>
void keep_best(std::vector<Candidate>& c, Key key) {
  const auto best = key(*std::min_element(c.begin(), c.end(), [&](const Candidate& a, const Candidate& b) { return key(a) < key(b); }));
  std::erase_if(c, [&](const Candidate& x) { return key(x) != best; });
}

}  // namespace

std::vector<uint32_t> select_tunnels(const std::vector<Candidate>& candidates, GatewayKind kind, bool vpn_ecmp_support) {
  if (candidates.empty()) return {};
  std::vector<Candidate> c = candidates;
  keep_best(c, [&](const Candidate& x) { return source_rank(x.source, kind); });
  if (is_bgp(c.front().source)) {
    if (c.front().source == RouteSource::direct_connect_bgp) keep_best(c, dx_preference);
    keep_best(c, [](const Candidate& x) { return x.as_path_length; });
    const bool same_as = std::all_of(c.begin(), c.end(), [&](const Candidate& x) { return x.first_as == c.front().first_as; });
    // Multipath only over paths from the same neighbouring AS, as BGP multipath usually requires
    // (AWS's exact rule across VPN connections is unconfirmed).
    const bool ecmp = kind == GatewayKind::transit_gateway && vpn_ecmp_support &&
                      c.front().source == RouteSource::vpn_bgp && same_as;
    // MED compares only routes from the same neighbouring AS; from different ASes it is skipped.
    if (!ecmp && same_as) keep_best(c, [](const Candidate& x) { return x.med.value_or(0); });
    if (ecmp) {
      std::vector<uint32_t> all;
      for (const auto& x : c) all.push_back(x.tunnel);
      std::sort(all.begin(), all.end());
      all.erase(std::unique(all.begin(), all.end()), all.end());
      return all;
    }
  }
  // One primary egress.
  return {std::min_element(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) { return a.tunnel < b.tunnel; })->tunnel};
}

}  // namespace vpngw::s2s
