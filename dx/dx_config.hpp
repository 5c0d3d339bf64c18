// The Direct Connect model with AWS's names and rules: connections (dedicated, hosted), LAGs,
// virtual interfaces (private, transit, public) and Direct Connect gateways, loaded from TOML
// (keys are the AWS API's names in snake case) and validated the way the AWS API validates them.
// Missing values get AWS's defaults: peer addresses from 169.254.0.0/16, an MD5 key, the DX
// gateway's ASN. Every refusal names the file, the key, the value and AWS's rule
// (../shared/reference/aws-hybrid.md section 4). Reference: docs/reference/dx-model.md.
//
// Hosted connection or hosted VIF: a hosted connection is the customer's own (a partner
// provisioned it at a hosted speed; it carries one VIF and the whole speed is the customer's). A
// hosted VIF is carved from a partner's connection (`owner = "partner"`): it shares that
// connection's bandwidth with the partner's other customers, and the connection is not the
// customer's to see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_schema.hpp"
#include "common/ip_prefix.hpp"

namespace vpngw::dx {

enum class ConnectionType { dedicated, hosted };
enum class Owner { customer, partner };
enum class VifType { private_vif, transit, public_vif };

struct Connection {
  std::string id;
  ConnectionType type = ConnectionType::dedicated;
  Owner owner = Owner::customer;
  std::string bandwidth;         // as AWS writes it: "1Gbps", "50Mbps"
  uint64_t bits_per_second = 0;  // the same, as a number (what a hosted speed is policed to)
  std::string lag;               // the id of the [[dx_lag]] it belongs to, if any
};

struct Lag {
  std::string id;
  std::string connections_bandwidth;  // every member's speed
  uint32_t minimum_links = 0;         // below this many links up, AWS takes the LAG down
};

struct DxGateway {
  std::string id;
  uint32_t amazon_side_asn = 64512;
  std::vector<std::string> virtual_gateways;  // associated VGWs (private VIFs reach them) ...
  std::vector<std::string> transit_gateways;  // ... or TGWs (transit VIFs), never both
};

// One BGP session's peering: AWS's address and the customer's, in one /30 (IPv4) or /125 (IPv6).
struct Peering {
  IpPrefix amazon_address;    // address with the prefix length, e.g. 169.254.10.1/30
  IpPrefix customer_address;
};

struct VirtualInterface {
  std::string id;
  VifType type = VifType::private_vif;
  std::string connection;  // a [[dx_connection]] or a [[dx_lag]]
  uint16_t vlan = 0;
  uint32_t mtu = 1500;
  uint32_t asn = 65000;    // the customer's
  std::string auth_key;    // BGP MD5; AWS generates one when none is given
  std::string address_family = "ipv4";
  Peering peering;
  std::string direct_connect_gateway;  // private: this or virtual_gateway; transit: required
  std::string virtual_gateway;
  std::vector<IpPrefix> route_filter_prefixes;  // public VIFs: the customer's public prefixes
  // AWS's side of the BGP session (defaults are AWS's, documented in aws-hybrid.md section 4).
  uint16_t hold_time_s = 90;
  uint16_t keepalive_s = 30;

  // Past this many prefixes from the customer the session goes idle (NOTIFICATION Cease 6/1).
  uint32_t max_prefixes() const { return type == VifType::public_vif ? 1000 : 100; }
  bool hosted_on_partner = false;  // a hosted VIF (its connection is the partner's)
};

struct DirectConnectConfig {
  std::vector<Connection> connections;
  std::vector<Lag> lags;
  std::vector<DxGateway> gateways;
  std::vector<VirtualInterface> vifs;

  const Connection* connection(const std::string& id) const;
  const Lag* lag(const std::string& id) const;
  const DxGateway* gateway(const std::string& id) const;
};

// The AWS-side ASN of a VIF's BGP session: its Direct Connect gateway's, or 64512 (a VGW's
// default) for a VIF attached to a VGW directly.
uint32_t amazon_asn(const DirectConnectConfig& model, const VirtualInterface& vif);

std::string_view to_string(VifType t);
std::string_view to_string(ConnectionType t);

// AWS's rules, usable on their own (an error message, or nullopt when the value is allowed).
std::optional<uint64_t> parse_bandwidth(std::string_view text);  // "50Mbps" -> 50e6; nullopt if not a speed
std::optional<std::string> check_connection_bandwidth(ConnectionType type, std::string_view bandwidth);
std::optional<std::string> check_dx_gateway_asn(uint64_t asn);
std::optional<std::string> check_vif_mtu(VifType type, uint64_t mtu);

// `source` names the input in error messages (usually the file path).
DirectConnectConfig parse_direct_connect(std::string_view toml_text, const std::string& source);
DirectConnectConfig load_direct_connect(const std::string& path);

// Its documented keys (docs/reference/dx-model.md is printed from them).
const ConfigSchema& dx_model_schema();

}  // namespace vpngw::dx
