#include "s2s/gateway_routing.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace vpngw::s2s {
namespace {

// "65000 65000 {65010 65011}": a set counts as one hop (RFC 4271 9.1.2.2).
bool parse_as_path(const std::string& text, uint32_t& length, uint32_t& first_as) {
  length = 0;
  first_as = 0;
  bool in_set = false;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ') { ++i; continue; }
    if (c == '{') {
      if (in_set) return false;
      in_set = true;
      ++length;
      ++i;
      continue;
    }
    if (c == '}') {
      if (!in_set) return false;
      in_set = false;
      ++i;
      continue;
    }
    uint32_t asn = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), asn);
    if (ec != std::errc() || end == text.data() + i) return false;
    if (first_as == 0) first_as = asn;
    if (!in_set) ++length;
    i = size_t(end - text.data());
  }
  return !in_set;
}

}  // namespace

std::string json_string(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t json_u64(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

const nlohmann::json* first_tunnel(const nlohmann::json& stats) {
  if (!stats.is_object()) return nullptr;
  const auto it = stats.find("tunnels");
  if (it == stats.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return nullptr;
  return &(*it)[0];
}

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

std::vector<LearnedRoute> learned_routes_from_json(const nlohmann::json& answer, size_t* skipped) {
  std::vector<LearnedRoute> out;
  size_t bad = 0;
  const auto routes = answer.find("routes");
  if (routes != answer.end() && routes->is_array()) {
    for (const auto& r : *routes) {
      const auto prefix = IpPrefix::parse(json_string(r, "prefix"));
      const auto paths = r.is_object() ? r.find("paths") : r.end();
      if (!prefix || paths == r.end() || !paths->is_array() || paths->empty() || !(*paths)[0].is_object()) {
        ++bad;
        continue;
      }
      const auto& best = (*paths)[0];
      LearnedRoute lr{*prefix};
      if (!parse_as_path(json_string(best, "as_path"), lr.as_path_length, lr.first_as)) {
        ++bad;
        continue;
      }
      if (const auto med = best.find("med"); med != best.end() && med->is_number_unsigned() && med->get<uint64_t>() <= UINT32_MAX)
        lr.med = med->get<uint32_t>();
      out.push_back(lr);
    }
  }
  if (skipped) *skipped = bad;
  return out;
}

bool bgp_established_from_json(const nlohmann::json& summary) {
  const auto n = summary.find("neighbors");
  if (n == summary.end() || !n->is_array()) return false;
  return std::any_of(n->begin(), n->end(), [](const nlohmann::json& p) {
    return json_string(p, "state") == "Established";
  });
}

bool ipsec_up_from_json(const nlohmann::json& ike_summary) {
  const auto t = ike_summary.find("tunnels");
  if (t == ike_summary.end() || !t->is_array()) return false;
  return std::any_of(t->begin(), t->end(), [](const nlohmann::json& x) {
    const std::string s = json_string(x, "TunnelIKEPhase2State");
    return s == "Established" || s == "Rekeying";
  });
}

}  // namespace vpngw::s2s
