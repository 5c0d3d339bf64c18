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
  std::vector<TunnelView> t{bgp_tunnel(0, {{P("10.0.0.0/16"), 1, 65000, std::nullopt, {}}}),
                            bgp_tunnel(1, {{P("10.0.0.0/16"), 1, 65000, std::nullopt, {}}})};
  auto plan = plan_routes(t, {}, GatewayKind::vpn_gateway, true);
  EXPECT_EQ(plan.at(P("10.0.0.0/16")), std::vector<uint32_t>{0});
  t[0].reachable = false;  // the endpoint process died: its routes no longer count
  plan = plan_routes(t, {}, GatewayKind::vpn_gateway, true);
  EXPECT_EQ(plan.at(P("10.0.0.0/16")), std::vector<uint32_t>{1});
  t[1].bgp_up = false;
  EXPECT_TRUE(plan_routes(t, {}, GatewayKind::vpn_gateway, true).empty());
}

TEST(GatewayRouting, MedSteersTheVgwAndTgwSpreads) {
  std::vector<TunnelView> t{bgp_tunnel(0, {{P("10.0.0.0/16"), 1, 65000, 200u, {}}}),
                            bgp_tunnel(1, {{P("10.0.0.0/16"), 1, 65000, 100u, {}}})};
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

TunnelView dx_vif(uint32_t id, std::vector<LearnedRoute> routes) {
  TunnelView v = bgp_tunnel(id, std::move(routes));
  v.ipsec_up = false;
  v.direct_connect = true;
  return v;
}

constexpr uint32_t community(uint16_t asn, uint16_t value) { return uint32_t(asn) << 16 | value; }

// The VGW: Direct Connect BGP beats the VPN's BGP whatever the AS_PATH, and the VPN takes over
// when the VIF's session is gone; a more specific VPN route still wins by longest prefix (the
// plan keeps both prefixes; the kernel's lookup picks the /24).
TEST(GatewayRouting, DirectConnectBeatsTheVpnButNotAMoreSpecificRoute) {
  std::vector<TunnelView> t{bgp_tunnel(0, {{P("10.0.0.0/16"), 1, 65000, std::nullopt, {}}, {P("10.0.5.0/24"), 1, 65000, std::nullopt, {}}}),
                            bgp_tunnel(1, {{P("10.0.0.0/16"), 1, 65000, std::nullopt, {}}}),
                            dx_vif(2, {{P("10.0.0.0/16"), 3, 65000, std::nullopt, {}}})};
  auto plan = plan_routes(t, {}, GatewayKind::vpn_gateway, true);
  EXPECT_EQ(plan.at(P("10.0.0.0/16")), std::vector<uint32_t>{2});
  EXPECT_EQ(plan.at(P("10.0.5.0/24")), std::vector<uint32_t>{0});
  t[2].bgp_up = false;  // the VIF's BGP session is down (hold timer, BFD, link)
  EXPECT_EQ(plan_routes(t, {}, GatewayKind::vpn_gateway, true).at(P("10.0.0.0/16")), std::vector<uint32_t>{0});
}

// Between two VIFs the customer's local-preference community decides before the AS_PATH; untagged
// ranks as medium; other communities are ignored.
TEST(GatewayRouting, LocalPreferenceCommunitiesSteerBetweenVifs) {
  auto two = [](std::vector<uint32_t> a, uint32_t a_len, std::vector<uint32_t> b, uint32_t b_len) {
    std::vector<TunnelView> t{dx_vif(0, {{P("10.0.0.0/16"), a_len, 65000, std::nullopt, a}}),
                              dx_vif(1, {{P("10.0.0.0/16"), b_len, 65000, std::nullopt, b}})};
    return plan_routes(t, {}, GatewayKind::vpn_gateway, true).at(P("10.0.0.0/16"));
  };
  EXPECT_EQ(two({}, 1, {}, 1), std::vector<uint32_t>{0});
  EXPECT_EQ(two({community(7224, 7100)}, 1, {}, 3), std::vector<uint32_t>{1});
  EXPECT_EQ(two({}, 1, {community(7224, 7300)}, 4), std::vector<uint32_t>{1});
  EXPECT_EQ(two({community(7224, 7200)}, 1, {community(7224, 7300)}, 1), std::vector<uint32_t>{1});
  EXPECT_EQ(two({community(65000, 7300)}, 1, {}, 2), std::vector<uint32_t>{0});  // not AWS's tag: AS_PATH decides
  EXPECT_EQ(two({community(7224, 7100), community(7224, 7300)}, 1, {}, 1), std::vector<uint32_t>{0});  // the best tag counts
}

}  // namespace
}  // namespace vpngw::s2s
