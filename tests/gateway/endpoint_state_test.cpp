// The versioned contract between a tunnel endpoint and the VGW/TGW router: what to_json writes is
// exactly the documented keys of version 1 with their types, a document round-trips, another
// version is refused, and malformed routes are skipped and counted, never trusted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "gateway/endpoint_state.hpp"

namespace vpngw {
namespace {

EndpointState sample() {
  EndpointState s;
  s.gateway = "vpn-1-tunnel1";
  s.outside_address = *IpAddress::parse("198.51.100.11");
  s.tunnels = {{"tunnel1", true, 1234, 5678}};
  s.bgp_configured = true;
  s.bgp_up = true;
  s.routes = {{*IpPrefix::parse("10.0.0.0/16"), 3, 65000, 50, {7224u << 16 | 7300}},
              {*IpPrefix::parse("10.9.0.0/16"), 2, 65000, std::nullopt, {}}};
  return s;
}

std::string type_of(const nlohmann::json& v) {
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_array()) return "array";
  if (v.is_null()) return "null";
  return "object";
}

// Every key path of a document with its type ("routes[].med" -> "number").
void collect(const nlohmann::json& j, const std::string& prefix, std::set<std::pair<std::string, std::string>>& out) {
  for (const auto& [k, v] : j.items()) {
    const std::string key = prefix + k;
    out.insert({key, type_of(v)});
    if (v.is_array())
      for (const auto& e : v)
        if (e.is_object()) collect(e, key + "[].", out);
  }
}

TEST(EndpointState, WritesExactlyTheDocumentedKeysOfVersion1) {
  std::set<std::pair<std::string, std::string>> written;
  collect(to_json(sample()), "", written);
  std::set<std::string> documented;
  for (const auto& k : endpoint_state_keys()) {
    documented.insert(std::string(k.key));
    bool seen = false;
    for (const auto& [key, type] : written)
      if (key == k.key) {
        seen = true;
        EXPECT_NE(std::string(k.type).find(type), std::string::npos) << key << " is " << type << ", documented " << k.type;
      }
    EXPECT_TRUE(seen) << "documented but not written: " << k.key;
  }
  for (const auto& [key, type] : written) EXPECT_TRUE(documented.count(key)) << "written but not documented: " << key;
  EXPECT_EQ(to_json(sample())["version"], EndpointState::kVersion);
}

TEST(EndpointState, RoundTrips) {
  size_t skipped = 99;
  auto back = parse_endpoint_state(to_json(sample()), &skipped);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back.value(), sample());
  EXPECT_EQ(skipped, 0u);
}

TEST(EndpointState, RefusesAnotherVersionAndBrokenDocuments) {
  auto j = to_json(sample());
  j["version"] = 2;
  auto r = parse_endpoint_state(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("version 2"), std::string::npos) << r.error();
  for (const char* key : {"version", "gateway", "outside_address", "bgp_up", "tunnels", "routes"}) {
    auto k = to_json(sample());
    k.erase(key);
    EXPECT_FALSE(parse_endpoint_state(k)) << "accepted without " << key;
  }
  EXPECT_FALSE(parse_endpoint_state(nlohmann::json::parse("[1,2]")));
  auto t = to_json(sample());
  t["tunnels"][0]["data_in_bytes"] = -1;
  EXPECT_FALSE(parse_endpoint_state(t));
}

TEST(EndpointState, SkipsAndCountsMalformedRoutes) {
  auto j = to_json(sample());
  j["routes"].push_back({{"prefix", "10.8.0.0/33"}, {"as_path_length", 1}, {"first_as", 1}, {"med", nullptr}});
  j["routes"].push_back({{"prefix", "10.7.0.0/16"}, {"as_path_length", -1}, {"first_as", 1}});
  j["routes"].push_back({{"prefix", "10.6.0.0/16"}, {"as_path_length", 1}, {"first_as", 1}, {"med", 5000000000}});
  j["routes"].push_back("junk");
  j["routes"].push_back({{"prefix", "10.5.0.0/16"}, {"as_path_length", 1}, {"first_as", 1}, {"communities", {"7224:73000"}}});
  j["routes"].push_back({{"prefix", "10.4.0.0/16"}, {"as_path_length", 1}, {"first_as", 1}, {"communities", "7224:7300"}});
  // An older writer without communities: none.
  j["routes"].push_back({{"prefix", "10.3.0.0/16"}, {"as_path_length", 1}, {"first_as", 1}});
  size_t skipped = 0;
  auto r = parse_endpoint_state(j, &skipped);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->routes.size(), 3u);
  EXPECT_TRUE(r->routes[2].communities.empty());
  EXPECT_EQ(skipped, 6u);
}

}  // namespace
}  // namespace vpngw
