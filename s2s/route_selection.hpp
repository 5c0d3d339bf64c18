// How the AWS side picks, for one destination prefix, the tunnel(s) traffic towards on-prem
// takes (../shared/reference/aws-hybrid.md section 2). I/O-free: the candidates are every route
// for the same prefix (longest-prefix match happens before, in the FIB).
//
//   virtual private gateway: Direct Connect BGP > VPN static > VPN BGP; between Direct Connect
//     routes the customer's local-preference community first (7224:7300 high > 7224:7200 medium
//     > 7224:7100 low; none counts as medium), before the AS_PATH; then the shortest AS_PATH;
//     then, for equal length and the same neighbouring AS, the lowest MED; one tunnel is the
//     primary egress: a VGW never spreads one prefix over tunnels (no ECMP);
//   transit gateway: static > VPN BGP; then the shortest AS_PATH; with VpnEcmpSupport every
//     remaining VPN BGP tunnel from the same neighbouring AS carries traffic (flows spread by
//     5-tuple hash), otherwise the lowest MED and then one tunnel.
// Ties after the rules go to the lowest tunnel id, so the choice is stable while nothing changes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vpngw::s2s {

enum class RouteSource : uint8_t { direct_connect_bgp, vpn_static, vpn_bgp };

struct Candidate {
  RouteSource source = RouteSource::vpn_bgp;
  uint32_t tunnel = 0;
  uint32_t as_path_length = 0;  // BGP only
  uint32_t first_as = 0;        // the neighbouring AS, for the MED rule
  std::optional<uint32_t> med;  // missing MED counts as 0 (RFC 4271 9.1.2.2)
  // Direct Connect only: the 7224:7100/7200/7300 community the customer tagged the route with
  // (the number after "7224:"); others and none are ignored.
  std::optional<uint16_t> dx_preference_community;
};

enum class GatewayKind : uint8_t { vpn_gateway, transit_gateway };

// The tunnels the prefix leaves through: empty (no candidate), one, or several (TGW ECMP).
std::vector<uint32_t> select_tunnels(const std::vector<Candidate>& candidates, GatewayKind kind, bool vpn_ecmp_support);

}  // namespace vpngw::s2s
