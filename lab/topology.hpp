// A lab topology file (`vpngw lab up FILE`, docs/lab-topology.md): what a lab holds, in the spirit of
// containerlab's files but in AWS's words. The Site-to-Site part is the same model `vpngw s2s`
// reads ([[customer_gateway]], [[vpn_gateway]] or [[transit_gateway]], one [[vpn_connection]]);
// around it the lab's own tables: the on-prem site, the VPCs and their subnets, the hosts (one
// namespace each, placed by address), and a Client VPN endpoint with its clients.
//
// Reading a topology is I/O-free: it yields the plan lab/lab.sh builds from (one record per line),
// the Site-to-Site model for `vpngw s2s render`, and the Client VPN endpoint's config, each already
// checked by the parser that will read it, so a bad topology fails before any namespace exists.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_schema.hpp"

namespace vpngw::lab {

struct Subnet {
  std::string bridge;  // "s0", "s1"... in the VPC router's namespace
  IpPrefix cidr;
  std::string vpc;
};

struct Vpc {
  std::string id;
  IpPrefix cidr;
  std::vector<IpPrefix> subnets;
};

struct Host {
  std::string name;     // the node: namespace <prefix>-<name>
  IpAddress address;
  std::string segment;  // "lan" (on-prem) or a subnet's bridge
};

struct Client {
  std::string name;
  std::string group;  // the certificate's OU; empty: none
  IpAddress outside;  // on the lab internet
};

struct SiteToSite {
  std::string kind;        // "vgw", "tgw" or "static"
  std::string connection;  // the vpn_connection's id
  std::string customer_gateway;
  IpAddress customer_outside;
  std::vector<std::string> render_args;  // from [site_to_site]: BFD, hold time, multipath
};

struct ClientVpn {
  std::vector<std::pair<std::string, std::string>> enis;  // ENI device, subnet bridge
  std::vector<Client> clients;
};

struct Topology {
  std::string name;
  std::string description;
  std::optional<IpPrefix> onprem_cidr;
  std::optional<IpPrefix> onprem_lan;
  std::vector<Vpc> vpcs;
  std::vector<Subnet> subnets;
  std::vector<Host> hosts;
  std::optional<SiteToSite> s2s;
  std::optional<ClientVpn> client_vpn;
  std::string model_toml;     // for `vpngw s2s render`; empty without Site-to-Site
  std::string endpoint_toml;  // for `vpngw clientvpn serve`; empty without Client VPN
};

// The lab internet's fixed addresses (TEST-NET-2, never routed outside the lab).
inline constexpr std::string_view kInternet = "198.51.100.0/24";
inline constexpr std::string_view kTunnel1Outside = "198.51.100.11";
inline constexpr std::string_view kTunnel2Outside = "198.51.100.12";
inline constexpr std::string_view kEndpointOutside = "198.51.100.1";
inline constexpr std::string_view kDnsAddress = "198.51.100.53";
inline constexpr std::string_view kHomeRouter = "198.51.100.254";

// Throws ConfigError naming the file, the key and the value. `work_dir` is where the lab keeps the
// endpoint's PKI and connection log (the endpoint config refers to them).
Topology parse_topology(std::string_view toml_text, const std::string& source, const std::string& work_dir);
Topology load_topology(const std::string& path, const std::string& work_dir);

// The records lab/lab.sh reads, one per line: "<kind> <fields...>" (docs/lab-topology.md).
std::string plan_records(const Topology& t);

// Its documented keys (docs/reference/lab-topology.md is printed from them).
const ConfigSchema& topology_schema();

}  // namespace vpngw::lab
