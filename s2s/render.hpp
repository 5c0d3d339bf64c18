// Turns a VPN connection of the Site-to-Site model into the gateway configs that run it, one
// `vpngw gateway` each: the AWS end of each tunnel (two processes, as AWS puts the two tunnel
// endpoints in two AZs) and the customer gateway that terminates both tunnels. The model says
// what AWS says (ASNs, inside CIDRs, keys, tunnel options); what AWS would assign or the
// customer's network holds (outside addresses, the VPC and on-prem prefixes) comes from
// RenderInputs, which the lab fills in.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "gateway/gateway_config.hpp"
#include "s2s/vpn_config.hpp"

namespace vpngw::s2s {

struct RenderInputs {
  std::array<IpAddress, 2> aws_outside;  // the tunnels' AWS outside IP addresses
  std::vector<IpPrefix> vpc_cidrs;       // what the AWS side announces (the VPC CIDR blocks)
  std::vector<IpPrefix> onprem_cidrs;    // what the customer gateway announces (or the static routes)
  // BGP timers and BFD multiplier on both ends; unset: the gateway's defaults (BgpConfig).
  std::optional<uint16_t> bgp_hold_time;
  std::optional<uint16_t> bgp_keepalive;
  // Optional: MED the customer gateway puts on what it announces over each tunnel, so that AWS
  // prefers one (active/passive by MED, as customers configure it). Empty: no MED.
  std::array<std::optional<uint32_t>, 2> customer_med;
  std::array<uint8_t, 2> customer_prepend{0, 0};
  bool customer_multipath = false;  // the customer gateway sends over both tunnels (active/active)
  // Not AWS Site-to-Site (it has no BFD; Direct Connect has, 300 ms x 3): a BFD session inside
  // each tunnel between the inside addresses, which ends the tunnel's BGP session when it fails.
  std::optional<uint32_t> bfd_interval_ms;
  std::optional<uint8_t> bfd_multiplier;
  // AWS's per-tunnel limits on the AWS ends (1.25 Gbps, 140,000 packets/s); unset: unlimited.
  std::optional<TunnelLimits> aws_limits;
};

struct RenderedConnection {
  std::array<std::string, 2> aws_endpoint;  // gateway TOML for tunnel 1 and tunnel 2
  std::array<std::string, 2> aws_endpoint_name;
  std::string customer_gateway;             // one gateway TOML terminating both tunnels
  std::string customer_gateway_name;
};

// Throws ConfigError when the connection is not in the model or an input is missing.
RenderedConnection render_connection(const SiteToSiteConfig& model, const std::string& connection_id,
                                     const RenderInputs& in);

}  // namespace vpngw::s2s
