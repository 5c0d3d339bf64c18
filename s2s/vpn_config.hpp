// The Site-to-Site VPN model with AWS's names and rules: customer gateways, virtual private
// gateways, transit gateways and VPN connections of two tunnels each, loaded from TOML (keys are
// the AWS API's names in snake case) and validated the way the AWS API validates them. Missing
// values get AWS's defaults, including random tunnel inside CIDRs and pre-shared keys. Every
// refusal names the file, the key, the value and AWS's rule. Reference: docs/site-to-site.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_error.hpp"
#include "proto/ike/tunnel_options.hpp"
#include "common/config/config_schema.hpp"
#include "dataplane/replay_window.hpp"

namespace vpngw::s2s {

struct CustomerGateway {
  std::string id;
  uint32_t bgp_asn = 65000;
  IpAddress ip_address;
  // AWS stores ASNs above 2,147,483,647 in BgpAsnExtended.
  std::string_view asn_field() const { return bgp_asn > 2147483647u ? "BgpAsnExtended" : "BgpAsn"; }
};

struct VpnGateway {
  std::string id;
  uint32_t amazon_side_asn = 64512;
};

struct TransitGateway {
  std::string id;
  uint32_t amazon_side_asn = 64512;
  bool vpn_ecmp_support = true;
};

struct VpnTunnel {
  IpPrefix tunnel_inside_cidr;  // a /30 in 169.254.0.0/16; AWS takes .1, the customer gateway .2
  uint32_t replay_window_size = ReplayWindow::kDefaultSize;
  ike::TunnelOptions ike;
  IpAddress aws_inside_address() const;
  IpAddress customer_inside_address() const;
};

struct VpnConnection {
  std::string id;
  std::string customer_gateway;
  std::string vpn_gateway;      // exactly one of these two
  std::string transit_gateway;
  bool static_routes_only = false;
  std::vector<IpPrefix> routes;  // only with static_routes_only
  std::array<VpnTunnel, 2> tunnels;
};

struct SiteToSiteConfig {
  std::vector<CustomerGateway> customer_gateways;
  std::vector<VpnGateway> vpn_gateways;
  std::vector<TransitGateway> transit_gateways;
  std::vector<VpnConnection> vpn_connections;
};

// AWS's rules, usable on their own (an error message, or nullopt when the value is allowed).
std::optional<std::string> check_amazon_side_asn(uint64_t asn);
std::optional<std::string> check_customer_asn(uint64_t asn);
std::optional<std::string> check_inside_cidr(const IpPrefix& p);

// `source` names the input in error messages (usually the file path).
SiteToSiteConfig parse_site_to_site(std::string_view toml_text, const std::string& source);
SiteToSiteConfig load_site_to_site(const std::string& path);

// Its documented keys (docs/reference/s2s-model.md is printed from them).
const ConfigSchema& model_schema();

}  // namespace vpngw::s2s
