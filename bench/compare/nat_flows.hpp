// The NAT paths' flow tests (the NAT rows of `vpngw bench` beyond throughput): how fast the
// translator takes packets of flows it knows, and how fast it makes new ones, against nftables
// masquerade in the same lab. Traffic from `vpngw stream spray` in the client node, counted by an
// nftables counter on the VPC host (what arrived, not what was sent):
//   existing_kpps   packets/s over 1000 flows from 40 client addresses
//   new_flows_kps   new flows/s: 60000 packets, each a flow of its own (one outside address has
//                   64512 UDP ports, for vpngw and for masquerade alike)
//   flows_created   the flow table after the runs (vpngw's counter; the kernel's conntrack count)
//   rss_mib         vpngw nat's resident memory after the new-flow run
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/compare/data_paths.hpp"
#include "bench/compare/path_lab.hpp"

namespace vpngw::bench {

// On a NAT path's lab that was just set up (new flows must be new); adds each metric's sample.
void measure_nat_flows(PathLab& lab, const DataPath& path, unsigned seconds, std::map<std::string, std::vector<double>>& into);

// The metrics in the order the table shows them, with their labels.
const std::vector<std::pair<std::string, std::string>>& nat_flow_metrics();

}  // namespace vpngw::bench
