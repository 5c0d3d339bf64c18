// "Download configuration" for a strongSwan customer gateway: the swanctl.conf that points a stock
// strongSwan at the tunnels of one vpngw gateway (the AWS side), with the proposals, lifetimes,
// DPD and pre-shared keys of each [tunnel.ike], in strongSwan's own syntax.
#pragma once

#include <string>
#include <vector>

#include "gateway/gateway_config.hpp"

namespace vpngw::ike {

// The tunnels named (all IKE-keyed tunnels when `tunnels` is empty). Throws ConfigError when a
// name is unknown or its tunnel is keyed manually.
std::string swanctl_config(const GatewayConfig& aws_side, const std::vector<std::string>& tunnels);

// One option list in strongSwan proposal syntax, e.g. "aes128-aes256-sha1-sha256-modp2048-ecp256".
std::string strongswan_ike_proposals(const TunnelOptions& o);
std::string strongswan_esp_proposals(const TunnelOptions& o);

}  // namespace vpngw::ike
