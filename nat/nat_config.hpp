// The config of `vpngw nat --config FILE`: a source-NAT router in front of a VPC, the way a Client
// VPN endpoint's traffic enters it. Clients' packets arrive on a TUN device (the kernel routes the
// VPC prefixes into it); each [[eni]] is a TAP device attached to a VPC subnet with its own MAC
// and address. Reference: docs/nat.md.
#pragma once

#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_error.hpp"
#include "nat/eni.hpp"
#include "nat/flow_table.hpp"
#include "common/config/config_schema.hpp"

namespace vpngw {

struct EniPortConfig {
  std::string device;  // TAP device name
  nat::Mac mac{};
  IpAddress address;
  uint8_t prefix_len = 24;
  std::optional<IpAddress> gateway;  // the subnet's router, for destinations off the subnet
};

struct NatConfig {
  std::string name = "nat";
  std::string tun_name = "cvpn0";
  IpAddress inside_address;  // the router's own address on the client side (source of ICMP errors)
  IpPrefix client_cidr;
  std::vector<IpPrefix> routes;  // prefixes sent into the TUN (default: every ENI's subnet)
  uint32_t capacity = 1 << 20;
  nat::Timeouts timeouts;
  std::vector<EniPortConfig> enis;
};

NatConfig parse_nat_config(std::string_view toml_text, const std::string& source);
NatConfig load_nat_config(const std::string& path);

// Its documented keys (docs/reference/nat.md is printed from them).
const ConfigSchema& nat_schema();

}  // namespace vpngw
