// A lab topology file (`vpngw lab up FILE`, docs/lab-topology.md): what a lab holds, in the spirit of
// containerlab's files but in AWS's words. The Site-to-Site part is the same model `vpngw s2s`
// reads ([[customer_gateway]], [[vpn_gateway]] or [[transit_gateway]], one [[vpn_connection]]);
// around it the lab's own tables: the on-prem site, the VPCs and their subnets, the hosts (one
// namespace each, placed by address), and a Client VPN endpoint with its clients.
//
// Reading a topology is I/O-free: it yields the nodes and segments lab/network_plan.hpp wires, the
// Site-to-Site model the gateways are rendered from, and the Client VPN endpoint's config, each
// already checked by the parser that will read it, so a bad topology fails before any namespace
// exists.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_schema.hpp"
#include "dx/customer_inputs.hpp"
#include "dx/dx_config.hpp"
#include "lab/wiring.hpp"
#include "s2s/vpn_config.hpp"

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
  s2s::SiteToSiteConfig model;  // the file's AWS tables, read by the parser `vpngw s2s` uses
  // [site_to_site]: what the lab adds when it renders the gateways (s2s::RenderInputs)
  std::optional<uint32_t> bfd_interval_ms;
  std::optional<uint16_t> bgp_hold_time;
  std::optional<uint16_t> bgp_keepalive;
  bool customer_multipath = false;
  std::array<uint8_t, 2> customer_prepend{0, 0};
  bool aws_limits = true;  // AWS's per-tunnel limits on the AWS ends
};

struct ClientVpn {
  std::vector<std::pair<std::string, std::string>> enis;  // ENI device, subnet bridge
  std::vector<Client> clients;
};

// Direct Connect: the file's [[dx_connection]], [[dx_lag]], [[dx_gateway]] and [[dx_vif]] read by
// the parser `vpngw dx check` uses, each connection a VIF runs on made a link (veth "dx<i>")
// between the on-prem edge (cgw) and AWS's end (in vgw), and [direct_connect]'s customer knobs.
struct DirectConnect {
  dx::DirectConnectConfig model;
  std::vector<std::string> linked;  // connection ids with a link, in order: device dx0, dx1, ...
  dx::CustomerInputs customer;      // links, announce and the steering knobs
  std::string customer_router = "vpngw";  // or "bird" (from `vpngw dx export-router`)
};

// A node the topology names itself ([[node]]): a namespace, forwarding or not, with addresses on
// its loopback. The labs the test and bench drivers wire by hand are made of these.
struct Node {
  std::string name;
  bool forward = false;
  std::vector<InterfaceAddress> loopback;
};

struct Wiring {
  std::vector<Node> nodes;
  std::vector<Bridge> bridges;
  std::vector<Veth> veths;
  std::vector<StaticRoute> routes;
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
  std::optional<DirectConnect> dx;
  Wiring wiring;  // [[node]], [[bridge]], [[link]], [[route]]
  std::string endpoint_toml;  // the file `vpngw clientvpn serve` reads; empty without Client VPN
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

// Its documented keys (docs/reference/lab-topology.md is printed from them).
const ConfigSchema& topology_schema();

}  // namespace vpngw::lab
