#include "gateway/endpoint_state.hpp"

#include <nlohmann/json.hpp>

#include "proto/bgp/message.hpp"

namespace vpngw {
namespace {

// A non-negative integer (a document built in memory holds signed ones, a parsed one unsigned).
bool as_u64(const nlohmann::json& v, uint64_t& out) {
  if (v.is_number_unsigned()) out = v.get<uint64_t>();
  else if (v.is_number_integer() && v.get<int64_t>() >= 0) out = uint64_t(v.get<int64_t>());
  else return false;
  return true;
}

bool get_u64(const nlohmann::json& j, const char* key, uint64_t& out) {
  const auto it = j.find(key);
  return it != j.end() && as_u64(*it, out);
}

bool get_bool(const nlohmann::json& j, const char* key, bool& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return false;
  out = it->get<bool>();
  return true;
}

bool get_string(const nlohmann::json& j, const char* key, std::string& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

std::optional<LearnedRoute> parse_route(const nlohmann::json& r) {
  if (!r.is_object()) return std::nullopt;
  std::string prefix_text;
  uint64_t length = 0, first = 0;
  if (!get_string(r, "prefix", prefix_text) || !get_u64(r, "as_path_length", length) || !get_u64(r, "first_as", first))
    return std::nullopt;
  const auto prefix = IpPrefix::parse(prefix_text);
  if (!prefix || length > UINT32_MAX || first > UINT32_MAX) return std::nullopt;
  LearnedRoute out{*prefix, uint32_t(length), uint32_t(first), std::nullopt, {}};
  if (const auto med = r.find("med"); med != r.end() && !med->is_null()) {
    uint64_t v = 0;
    if (!as_u64(*med, v) || v > UINT32_MAX) return std::nullopt;
    out.med = uint32_t(v);
  }
  // Written by every vpngw that writes version 1 with communities; absent (older writers): none.
  if (const auto c = r.find("communities"); c != r.end()) {
    if (!c->is_array()) return std::nullopt;
    for (const auto& text : *c) {
      const auto community = text.is_string() ? bgp::parse_community(text.get<std::string>()) : std::nullopt;
      if (!community) return std::nullopt;
      out.communities.push_back(*community);
    }
  }
  return out;
}

}  // namespace

nlohmann::json to_json(const EndpointState& s) {
  nlohmann::json j{{"version", EndpointState::kVersion},
                   {"gateway", s.gateway},
                   {"outside_address", s.outside_address.to_string()},
                   {"bgp_configured", s.bgp_configured},
                   {"bgp_up", s.bgp_up}};
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (const auto& t : s.tunnels)
    tunnels.push_back({{"name", t.name},
                       {"ipsec_up", t.ipsec_up},
                       {"data_in_bytes", t.data_in_bytes},
                       {"data_out_bytes", t.data_out_bytes}});
  auto& routes = j["routes"] = nlohmann::json::array();
  for (const auto& r : s.routes) {
    nlohmann::json communities = nlohmann::json::array();
    for (uint32_t c : r.communities) communities.push_back(bgp::community_to_string(c));
    routes.push_back({{"prefix", r.prefix.to_string()},
                      {"as_path_length", r.as_path_length},
                      {"first_as", r.first_as},
                      {"med", r.med ? nlohmann::json(*r.med) : nlohmann::json(nullptr)},
                      {"communities", std::move(communities)}});
  }
  return j;
}

Result<EndpointState, std::string> parse_endpoint_state(const nlohmann::json& j, size_t* skipped_routes) {
  if (!j.is_object()) return Unexpected(std::string("not a JSON object"));
  uint64_t version = 0;
  if (!get_u64(j, "version", version)) return Unexpected(std::string("no version"));
  if (version != uint64_t(EndpointState::kVersion))
    return Unexpected("version " + std::to_string(version) + ", this reader takes " + std::to_string(EndpointState::kVersion));
  EndpointState s;
  std::string address;
  if (!get_string(j, "gateway", s.gateway)) return Unexpected(std::string("gateway: missing or not a string"));
  if (!get_string(j, "outside_address", address) || !IpAddress::parse(address))
    return Unexpected(std::string("outside_address: missing or not an address"));
  s.outside_address = *IpAddress::parse(address);
  if (!get_bool(j, "bgp_configured", s.bgp_configured)) return Unexpected(std::string("bgp_configured: missing"));
  if (!get_bool(j, "bgp_up", s.bgp_up)) return Unexpected(std::string("bgp_up: missing"));
  const auto tunnels = j.find("tunnels");
  if (tunnels == j.end() || !tunnels->is_array()) return Unexpected(std::string("tunnels: missing or not an array"));
  for (const auto& t : *tunnels) {
    EndpointTunnel et;
    if (!t.is_object() || !get_string(t, "name", et.name) || !get_bool(t, "ipsec_up", et.ipsec_up) ||
        !get_u64(t, "data_in_bytes", et.data_in_bytes) || !get_u64(t, "data_out_bytes", et.data_out_bytes))
      return Unexpected("tunnels[" + std::to_string(s.tunnels.size()) + "]: malformed");
    s.tunnels.push_back(std::move(et));
  }
  size_t bad = 0;
  const auto routes = j.find("routes");
  if (routes == j.end() || !routes->is_array()) return Unexpected(std::string("routes: missing or not an array"));
  for (const auto& r : *routes) {
    if (auto route = parse_route(r)) s.routes.push_back(*route);
    else ++bad;
  }
  if (skipped_routes) *skipped_routes = bad;
  return s;
}

const std::vector<EndpointStateKey>& endpoint_state_keys() {
  static const std::vector<EndpointStateKey> keys{
      {"version", "number"},         {"gateway", "string"},
      {"outside_address", "string"}, {"bgp_configured", "boolean"},
      {"bgp_up", "boolean"},         {"tunnels", "array"},
      {"tunnels[].name", "string"},  {"tunnels[].ipsec_up", "boolean"},
      {"tunnels[].data_in_bytes", "number"}, {"tunnels[].data_out_bytes", "number"},
      {"routes", "array"},           {"routes[].prefix", "string"},
      {"routes[].as_path_length", "number"}, {"routes[].first_as", "number"},
      {"routes[].med", "number or null"},   {"routes[].communities", "array of strings"},
  };
  return keys;
}

}  // namespace vpngw
