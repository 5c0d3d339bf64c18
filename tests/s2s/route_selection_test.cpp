// AWS's route priority for the AWS -> on-prem direction, one table row per rule.
#include <gtest/gtest.h>

#include "s2s/route_selection.hpp"

namespace vpngw::s2s {
namespace {

constexpr auto kDx = RouteSource::direct_connect_bgp;
constexpr auto kStatic = RouteSource::vpn_static;
constexpr auto kBgp = RouteSource::vpn_bgp;
constexpr auto kVgw = GatewayKind::vpn_gateway;
constexpr auto kTgw = GatewayKind::transit_gateway;

struct Row {
  const char* rule;
  std::vector<Candidate> candidates;
  GatewayKind kind;
  bool ecmp;
  std::vector<uint32_t> want;
};

TEST(RouteSelection, AwsPriorityTable) {
  const std::vector<Row> rows = {
      {"nothing to choose", {}, kVgw, false, {}},
      {"VGW: DX BGP beats VPN static", {{kStatic, 1}, {kDx, 7, 5}}, kVgw, false, {7}},
      {"VGW: VPN static beats VPN BGP", {{kBgp, 1, 1}, {kStatic, 2}}, kVgw, false, {2}},
      {"VGW: shortest AS_PATH", {{kBgp, 1, 3, 65000}, {kBgp, 2, 2, 65000}}, kVgw, false, {2}},
      {"VGW: AS_PATH before MED", {{kBgp, 1, 1, 65000, 500}, {kBgp, 2, 2, 65000, 0}}, kVgw, false, {1}},
      {"VGW: lowest MED for equal paths from one AS", {{kBgp, 1, 2, 65000, 200}, {kBgp, 2, 2, 65000, 100}}, kVgw, false, {2}},
      {"VGW: missing MED is 0", {{kBgp, 1, 2, 65000, 100}, {kBgp, 2, 2, 65000, std::nullopt}}, kVgw, false, {2}},
      {"VGW: MED ignored across ASes", {{kBgp, 2, 2, 65001, 0}, {kBgp, 1, 2, 65000, 900}}, kVgw, false, {1}},
      {"VGW: never ECMP, one primary", {{kBgp, 2, 2, 65000}, {kBgp, 1, 2, 65000}}, kVgw, true, {1}},
      {"VGW: static on both tunnels, one egress", {{kStatic, 2}, {kStatic, 1}}, kVgw, false, {1}},
      {"VGW: DX high preference beats a shorter AS_PATH", {{kDx, 1, 1, 65000}, {kDx, 2, 4, 65000, std::nullopt, 7300}}, kVgw, false, {2}},
      {"VGW: DX low preference loses to untagged (medium)", {{kDx, 1, 1, 65000, std::nullopt, 7100}, {kDx, 2, 3, 65000}}, kVgw, false, {2}},
      {"VGW: DX medium tag equals untagged, AS_PATH decides", {{kDx, 1, 2, 65000, std::nullopt, 7200}, {kDx, 2, 1, 65000}}, kVgw, false, {2}},
      {"VGW: other communities are no preference", {{kDx, 1, 2, 65000, std::nullopt, 7150}, {kDx, 2, 1, 65000}}, kVgw, false, {2}},
      {"VGW: the tag means nothing on a VPN route", {{kBgp, 1, 1, 65000, 100, 7300}, {kBgp, 2, 1, 65000, 50}}, kVgw, false, {2}},
      {"TGW: static beats VPN BGP", {{kBgp, 1, 1}, {kStatic, 2}}, kTgw, true, {2}},
      {"TGW: ECMP over equal AS_PATHs", {{kBgp, 2, 2, 65000, 100}, {kBgp, 1, 2, 65000, 200}, {kBgp, 3, 3, 65000}}, kTgw, true, {1, 2}},
      {"TGW: ECMP off, MED then one", {{kBgp, 1, 2, 65000, 200}, {kBgp, 2, 2, 65000, 100}}, kTgw, false, {2}},
      {"TGW: ECMP across connections of one AS", {{kBgp, 4, 1, 65000}, {kBgp, 3, 1, 65000}}, kTgw, true, {3, 4}},
      {"TGW: no ECMP across different ASes", {{kBgp, 4, 1, 65001}, {kBgp, 3, 1, 65000}}, kTgw, true, {3}},
      {"TGW: static never ECMP", {{kStatic, 2}, {kStatic, 1}}, kTgw, true, {1}},
  };
  for (const auto& row : rows)
    EXPECT_EQ(select_tunnels(row.candidates, row.kind, row.ecmp), row.want) << row.rule;
}

}  // namespace
}  // namespace vpngw::s2s
