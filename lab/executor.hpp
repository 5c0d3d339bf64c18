// Builds a lab from its topology, in this process: namespaces, bridges, veths, addresses, routes and
// sysctls through netlink (lab/network_plan.hpp says what), then the lab's processes (the AWS
// tunnel endpoints, the VPC router, the customer gateway, the Client VPN endpoint, the lab DNS,
// the OpenVPN clients), each started in its node and tracked by PID (lab/process.hpp), and waits
// until tunnels, BGP sessions and clients are up. What it writes lives in the work folder:
// configs/ (the rendered gateways), endpoint.toml, pki/, NAME.log, NAME.pid, processes.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "lab/topology.hpp"

namespace vpngw::lab {

struct LabOptions {
  std::string prefix = "lab";     // namespaces PREFIX-<node>
  std::filesystem::path work;     // absolute
  std::filesystem::path vpngw;    // the binary the lab's gateways run
  unsigned vgw_poll_ms = 100;     // how often the VPC router asks the tunnel endpoints
  uint16_t vgw_metrics_port = 9105;
  uint16_t dx_metrics_port = 9106;  // AWS's Direct Connect end: CloudWatch's AWS/DX metrics (in the vgw node)
};

// Throws std::runtime_error saying which step failed and where its log is; what was built stays
// for a look (remove_lab takes it away).
void build_lab(const Topology& t, const LabOptions& o, std::ostream& progress);

// Makes what a plan lists in namespaces PREFIX-<node> (new nodes first); no processes.
struct NetworkPlan;
void apply_network(const NetworkPlan& plan, const std::string& prefix);

// Stops the processes the work folder records, then removes every namespace PREFIX-* and what
// still runs in it, whatever state the lab is in (also after a crash).
void remove_lab(const std::string& prefix, const std::filesystem::path& work);

// "HH:MM:SS.mmm  line": how the lab reports each step.
void progress_line(std::ostream& out, const std::string& line);

// The management socket of the VPC router a lab with this prefix runs.
std::string vpc_router_socket(const std::string& prefix);

}  // namespace vpngw::lab
