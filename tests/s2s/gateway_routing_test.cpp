// What the AWS gateway installs towards on-prem from what its tunnel endpoints report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "s2s/gateway_routing.hpp"

namespace vpngw::s2s {
namespace {

IpPrefix P(const char* s) { return *IpPrefix::parse(s); }

TunnelView bgp_tunnel(uint32_t id, std::vector<LearnedRoute> routes) {
  TunnelView v;
  v.tunnel = id;
  v.reachable = v.ipsec_up = v.bgp_up = true;
  v.routes = std::move(routes);
  return v;
}

TEST(GatewayRouting, VgwPicksOneTunnelAndFailsOver) {
  std::vector<TunnelView> t{bgp_tunnel(0, {{P("10.0.0.0/16"), 1, 65000, std::nullopt}}),
                            bgp_tunnel(1, {{P("10.0.0.0/16"), 1, 65000, std::nullopt}})};
  auto plan = plan_routes(t, {}, GatewayKind::vpn_gateway, true);
  EXPECT_EQ(plan.at(P("10.0.0.0/16")), std::vector<uint32_t>{0});
  t[0].reachable = false;  // the endpoint process died: its routes no longer count
  plan = plan_routes(t, {}, GatewayKind::vpn_gateway, true);
  EXPECT_EQ(plan.at(P("10.0.0.0/16")), std::vector<uint32_t>{1});
  t[1].bgp_up = false;
  EXPECT_TRUE(plan_routes(t, {}, GatewayKind::vpn_gateway, true).empty());
}

TEST(GatewayRouting, MedSteersTheVgwAndTgwSpreads) {
  std::vector<TunnelView> t{bgp_tunnel(0, {{P("10.0.0.0/16"), 1, 65000, 200u}}),
                            bgp_tunnel(1, {{P("10.0.0.0/16"), 1, 65000, 100u}})};
  EXPECT_EQ(plan_routes(t, {}, GatewayKind::vpn_gateway, true).at(P("10.0.0.0/16")), std::vector<uint32_t>{1});
  EXPECT_EQ(plan_routes(t, {}, GatewayKind::transit_gateway, true).at(P("10.0.0.0/16")), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(plan_routes(t, {}, GatewayKind::transit_gateway, false).at(P("10.0.0.0/16")), std::vector<uint32_t>{1});
}

TEST(GatewayRouting, StaticRoutesFollowTheIpsecState) {
  TunnelView a;
  a.tunnel = 0;
  a.reachable = a.ipsec_up = true;
  TunnelView b = a;
  b.tunnel = 1;
  std::vector<StaticRoute> statics{{P("10.0.0.0/16"), 0}, {P("10.0.0.0/16"), 1}};
  EXPECT_EQ(plan_routes({a, b}, statics, GatewayKind::vpn_gateway, true).at(P("10.0.0.0/16")), std::vector<uint32_t>{0});
  a.ipsec_up = false;
  EXPECT_EQ(plan_routes({a, b}, statics, GatewayKind::vpn_gateway, true).at(P("10.0.0.0/16")), std::vector<uint32_t>{1});
}

TEST(GatewayRouting, ParsesTheEndpointsAnswers) {
  const auto routes = nlohmann::json::parse(R"({"routes": [
    {"prefix": "10.0.0.0/16", "paths": [{"best": true, "as_path": "65000 65000 65000", "med": 50}]},
    {"prefix": "10.9.0.0/16", "paths": [{"best": true, "as_path": "65000 {65001 65002}", "med": null}]},
    {"prefix": "10.8.0.0/33", "paths": [{"as_path": "65000"}]},
    {"prefix": "10.7.0.0/16", "paths": []},
    {"prefix": "10.6.0.0/16", "paths": [{"as_path": "65000 {65001"}]},
    {"prefix": 7},
    "junk"]})");
  size_t skipped = 0;
  const auto r = learned_routes_from_json(routes, &skipped);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].as_path_length, 3u);
  EXPECT_EQ(r[0].first_as, 65000u);
  EXPECT_EQ(r[0].med, 50u);
  EXPECT_EQ(r[1].as_path_length, 2u);  // an AS_SET counts as one
  EXPECT_FALSE(r[1].med);
  EXPECT_EQ(skipped, 5u);
  EXPECT_TRUE(learned_routes_from_json(nlohmann::json::parse("[1,2]")).empty());

  EXPECT_TRUE(bgp_established_from_json(nlohmann::json::parse(R"({"neighbors": [{"state": "Established"}]})")));
  EXPECT_FALSE(bgp_established_from_json(nlohmann::json::parse(R"({"neighbors": [{"state": 3}, {"state": "Active"}]})")));
  EXPECT_TRUE(ipsec_up_from_json(nlohmann::json::parse(R"({"tunnels": [{"TunnelIKEPhase2State": "Rekeying"}]})")));
  EXPECT_FALSE(ipsec_up_from_json(nlohmann::json::parse(R"({"tunnels": [{"TunnelIKEPhase2State": "Down"}]})")));
  EXPECT_FALSE(ipsec_up_from_json(nlohmann::json::parse(R"({"tunnels": "x"})")));
}

}  // namespace
}  // namespace vpngw::s2s
