// CloudWatch's VPN metrics rendered as Prometheus text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "s2s/vpn_metrics.hpp"

namespace vpngw::s2s {
namespace {

TEST(VpnMetrics, RendersAwsNamesPerTunnel) {
  const auto summary = nlohmann::json::parse(R"({"name": "vgw-1", "route_changes": 3, "tunnels": [
    {"name": "vpn-1-tunnel1", "tunnel_ip_address": "198.51.100.11", "TunnelState": 1, "TunnelDataIn": 1200, "TunnelDataOut": 800},
    {"name": "vpn-1-\"odd\"", "TunnelState": 0}]})");
  const std::string text = render_vpn_metrics(summary);
  EXPECT_NE(text.find("# TYPE aws_vpn_tunnel_state gauge"), std::string::npos);
  EXPECT_NE(text.find("aws_vpn_tunnel_state{gateway=\"vgw-1\",tunnel=\"vpn-1-tunnel1\",tunnel_ip_address=\"198.51.100.11\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("aws_vpn_tunnel_data_in_bytes_total{gateway=\"vgw-1\",tunnel=\"vpn-1-tunnel1\",tunnel_ip_address=\"198.51.100.11\"} 1200"),
            std::string::npos);
  EXPECT_NE(text.find("aws_vpn_tunnel_data_out_bytes_total{gateway=\"vgw-1\",tunnel=\"vpn-1-tunnel1\""), std::string::npos);
  EXPECT_NE(text.find("tunnel=\"vpn-1-\\\"odd\\\"\",tunnel_ip_address=\"\"} 0"), std::string::npos);
  EXPECT_NE(text.find("vpngw_gateway_route_changes_total{gateway=\"vgw-1\"} 3"), std::string::npos);
}

}  // namespace
}  // namespace vpngw::s2s
