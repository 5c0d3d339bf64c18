// CloudWatch's AWS/VPN metrics in the Prometheus text format, from the VGW router's summary:
// TunnelState (for a BGP VPN 1 when the session is established), TunnelDataIn (bytes after
// decryption) and TunnelDataOut (bytes before encryption) per tunnel, labelled with the tunnel
// and its AWS outside address (CloudWatch's TunnelIpAddress dimension).
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace vpngw::s2s {

std::string render_vpn_metrics(const nlohmann::json& router_summary);

}  // namespace vpngw::s2s
