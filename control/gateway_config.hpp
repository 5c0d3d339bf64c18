// The configuration of one gateway (`vpngw gateway --config FILE`), loaded from TOML and fully
// validated at load time: every error names the file, the key, the value and what is allowed.
// Reference: docs/reference/gateway.md (printed from gateway_schema()); example: examples/left.toml.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "control/config_error.hpp"
#include "control/ike/tunnel_options.hpp"
#include "dataplane/aead.hpp"
#include "control/config_schema.hpp"

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

struct TunnelConfig {
  std::string name;
  IpAddress peer;
  uint16_t peer_port = 4500;
  uint32_t replay_window = 1024;
  bool esn = true;
  // Either manual keys (outbound/inbound) or IKE negotiates them ([tunnel.ike]).
  SaConfig outbound;
  SaConfig inbound;
  std::optional<ike::TunnelOptions> ike;
};

struct RouteConfig {
  IpPrefix prefix;
  std::string tunnel;
};

struct BgpNeighborConfig {
  std::string name;  // defaults to the address
  IpAddress address;
  uint32_t remote_asn = 65000;
  std::string tunnel;  // routes learned from this neighbour leave through this tunnel
  std::optional<IpAddress> local_address;  // bind before connecting (the tunnel inside address)
  bool passive = false;  // only accept, never connect
  std::string md5_password;  // TCP MD5 signature (RFC 2385); empty: off
  uint32_t max_prefixes = 100;  // AWS's limit from a customer gateway; 0: no limit
  std::optional<uint16_t> hold_time;  // default: the [bgp] value
  std::optional<uint16_t> keepalive;
  uint32_t local_pref = 100;
  std::optional<uint32_t> med;  // MED on the routes we announce to this neighbour
  uint8_t as_path_prepend = 0;  // our ASN this many extra times on what we announce (active/passive)
  bool bfd = false;  // a BFD session (RFC 5880/5881) with this neighbour; Down ends the BGP session
};

struct BgpConfig {
  uint32_t asn = 64512;  // Amazon-side default
  std::optional<IpAddress> router_id;  // default: the TUN address
  uint16_t hold_time = 30;
  uint16_t keepalive = 10;
  uint16_t connect_retry = 5;  // seconds between connection attempts
  uint16_t listen_port = 179;
  bool kernel_routes = true;  // install learned routes into the kernel, out of the TUN
  std::vector<IpPrefix> export_prefixes;  // announced to every neighbour with our ASN (the VPC CIDR)
  bool multipath = false;  // equal-cost paths share the traffic (a customer gateway's active/active)
  uint32_t bfd_interval_ms = 300;  // BFD desired TX / required RX interval
  uint8_t bfd_multiplier = 3;
  std::vector<BgpNeighborConfig> neighbors;
};

struct GatewayConfig {
  std::string name = "vpngw";
  IpAddress outside_address;
  uint16_t outside_port = 4500;
  uint16_t ike_port = 500;  // IKE before NAT-T moves it to outside_port
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
