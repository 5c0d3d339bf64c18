// A Client VPN endpoint in AWS's model (`vpngw clientvpn serve --config FILE`, docs/client-vpn.md):
// the OpenVPN listener, the client CIDR, target network associations (each one an ENI in a VPC
// subnet that source-NATs client traffic), authorization rules and the endpoint route table.
// AWS's rules are enforced here: client CIDR /12-/22 not overlapping the VPC or a route, subnets
// of at least /27 inside the VPC, port 443 or 1194, session timeout 8/10/12/24 h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_error.hpp"
#include "nat/nat_config.hpp"
#include "proto/openvpn/tls_server.hpp"
#include "dataplane/aead.hpp"
#include "common/config/config_schema.hpp"

namespace vpngw {

struct TargetNetwork {
  IpPrefix subnet;
  std::string eni_device;  // the TAP device that stands for the ENI
  IpAddress eni_address;
  IpAddress gateway;       // the subnet's VPC router (default: the subnet's first host, as AWS)
};

struct AuthorizationRule {
  IpPrefix destination;
  std::string group;  // empty: every authenticated user
};

struct EndpointRoute {
  IpPrefix destination;
  std::string target;  // a target network's subnet ("10.0.1.0/24") or "local" (client to client)
  bool local() const { return target == "local"; }
};

struct ClientVpnConfig {
  std::string id = "cvpn-endpoint-0123456789abcdef0";
  std::string region = "us-east-1";
  IpAddress listen;              // the endpoint's outside address
  std::string transport = "udp";
  uint16_t port = 443;
  IpPrefix client_cidr;
  IpPrefix vpc_cidr;
  bool split_tunnel = false;
  uint32_t session_timeout_hours = 24;
  std::vector<Cipher> data_ciphers{Cipher::aes_gcm_256, Cipher::aes_gcm_128, Cipher::chacha20_poly1305};
  bool tls_ekm = true;           // false: the legacy PRF even for clients that can export keys
  std::string tun = "cvpn0";     // clients' side; the NAT's TUN is `nat_tun`
  std::string nat_tun = "cvpnnat0";
  std::string connection_log;    // JSON lines; empty: none
  std::vector<IpAddress> dns_servers;
  uint32_t max_connections = 0;  // 0: what the client CIDR holds
  ovpn::TlsFiles tls;
  std::vector<TargetNetwork> target_networks;
  std::vector<AuthorizationRule> authorization_rules;
  std::vector<EndpointRoute> routes;  // the VPC CIDR route is added for the first association

  // AWS's DNS name for the endpoint; clients prepend a random label (remote-random-hostname).
  std::string dns_name() const;
  // The NAT router behind the endpoint: one ENI per target network.
  NatConfig nat_config() const;
};

ClientVpnConfig parse_clientvpn_config(std::string_view toml_text, const std::string& source,
                                       const std::string& base_dir = ".");
ClientVpnConfig load_clientvpn_config(const std::string& path);

// Its documented keys (docs/reference/clientvpn-endpoint.md is printed from them).
const ConfigSchema& clientvpn_endpoint_schema();

}  // namespace vpngw
