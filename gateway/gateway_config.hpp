// The configuration of one gateway (`vpngw gateway --config FILE`), loaded from TOML and fully
// validated at load time: every error names the file, the key, the value and what is allowed.
// Reference: docs/reference/gateway.md (printed from gateway_schema()); example: examples/left.toml.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_error.hpp"
#include "proto/bgp/config.hpp"
#include "proto/ike/tunnel_options.hpp"
#include "dataplane/aead.hpp"
#include "dataplane/replay_window.hpp"
#include "common/config/config_schema.hpp"

namespace vpngw {

struct InterfaceAddress {
  IpAddress address;
  uint8_t prefix_len = 32;
  bool on_link(const IpAddress& a) const { return IpPrefix{address, prefix_len}.contains(a); }
};

struct SaConfig {
  uint32_t spi = 0;
  Cipher cipher = Cipher::aes_gcm_128;
  std::vector<uint8_t> keymat;  // key followed by the 4-byte salt, as `ip xfrm state` takes it
};

// AWS's per-tunnel limits (a Site-to-Site tunnel carries up to 1.25 Gbps and 140,000 packets/s;
// the excess is dropped). On the AWS ends of a lab's tunnels; off in a bare gateway.
struct TunnelLimits {
  uint32_t bandwidth_mbps = 1250;
  uint32_t packets_per_second = 140000;
};

struct TunnelConfig {
  std::string name;
  IpAddress peer;
  uint16_t peer_port = ike::kNattPort;
  uint32_t replay_window = ReplayWindow::kDefaultSize;
  bool esn = true;
  // Either manual keys (outbound/inbound) or IKE negotiates them ([tunnel.ike]).
  SaConfig outbound;
  SaConfig inbound;
  std::optional<ike::TunnelOptions> ike;
  std::optional<TunnelLimits> limits;  // [tunnel.limits]; none: unlimited
};

struct RouteConfig {
  IpPrefix prefix;
  std::string tunnel;
};

struct GatewayConfig {
  std::string name = "vpngw";
  IpAddress outside_address;
  uint16_t outside_port = ike::kNattPort;
  uint16_t ike_port = ike::kIkePort;  // IKE before NAT-T moves it to outside_port
  std::string tun_name = "vpngw0";
  uint32_t tun_mtu = 1400;
  // Inside addresses, like a VTI's 169.254.x.x/30; a customer gateway has one per tunnel.
  std::vector<InterfaceAddress> tun_addresses;
  std::vector<TunnelConfig> tunnels;
  std::vector<RouteConfig> routes;
  std::optional<BgpConfig> bgp;
  std::string management_socket;  // empty: /run/vpngw/<name>.sock
};

// `source` names the input in error messages (usually the file path).
GatewayConfig parse_gateway_config(std::string_view toml_text, const std::string& source);
GatewayConfig load_gateway_config(const std::string& path);

// Its documented keys (docs/reference/gateway.md is printed from them).
const ConfigSchema& gateway_schema();

}  // namespace vpngw
