// AWS's end of Direct Connect (`vpngw dx serve`): the Direct Connect location's router for the VIFs
// of one AWS-side ASN (a Direct Connect gateway's, or a VGW's for VIFs attached to it directly).
// Per link it runs a VLAN port (one TAP per VIF, 802.1Q on the link, a hosted speed policed); per
// VIF a BGP session with AWS's settings: MD5 always, TTL 1, hold 90 s / keepalive 30 s unless the
// VIF says otherwise, 100 prefixes (1000 on a public VIF) before Cease/1, BFD 300 ms x 3 in the
// passive role (it takes effect once the customer's router starts it). Learned routes do not go
// into the kernel here: the VGW router asks for each VIF's ("endpoint state" with a `vif`) and
// ranks them as Direct Connect BGP against the VPN's (s2s/route_selection.hpp).
//
// plan_endpoint is the I/O-free part (unit-tested): which ports, TAPs and BGP neighbours a model
// and its links make.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "dx/customer_inputs.hpp"
#include "dx/dx_config.hpp"
#include "dx/vlan_port.hpp"
#include "proto/bgp/config.hpp"

namespace vpngw::dx {


struct DxEndpointConfig {
  std::string name = "dx";
  DirectConnectConfig model;
  std::vector<EndpointLink> links;        // VIFs on connections with no link here are not served
  std::vector<IpPrefix> export_prefixes;  // what AWS announces on every VIF (the VPC CIDRs)
  uint16_t bgp_listen_port = 179;
  std::string management_socket;  // empty: /run/vpngw/<name>.sock
};

struct VifPlan {
  std::string id;
  std::string connection;
  std::string device;  // the link
  uint16_t vlan = 0;
  std::string tap;
  VifType type = VifType::private_vif;
  Peering peering;
};

struct DxEndpointPlan {
  uint32_t amazon_asn = 64512;
  BgpConfig bgp;                      // one neighbour per VIF, named by the VIF's id
  std::vector<VlanPortConfig> ports;  // one per link, policed at a hosted speed
  std::vector<VifPlan> vifs;
};

// Throws ConfigError naming the link or VIF that cannot be served (unknown connection, two
// AWS-side ASNs in one endpoint, a VIF without a link).
DxEndpointPlan plan_endpoint(const DxEndpointConfig& cfg);


// Runs until SIGINT/SIGTERM; `stats_path` gets the counters every second (empty: none);
// `metrics_port` serves CloudWatch's AWS/DX metrics as Prometheus text (0: off).
void run_dx_endpoint(const DxEndpointConfig& cfg, const std::string& stats_path, uint16_t metrics_port);

}  // namespace vpngw::dx
