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

}  // namespace
}  // namespace vpngw::s2s
