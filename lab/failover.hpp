// A measured failover in a Site-to-Site lab (`vpngw lab failover`): a sequenced 1000 pps UDP
// stream from the first on-prem host to the first VPC host, the path the customer gateway sends
// through failed (a tunnel's AWS endpoint, or in a Direct Connect lab with a VPN as backup, the
// Direct Connect VIF), the moment the customer gateway drops that path's BGP session taken from
// its own clock (detection), the path brought back, and the run left as a spec for measure/'s
// report (`vpngw stream report --run`):
//   LABEL,ARRIVALS_CSV,SENT,FAULT_NS,DETECT_NS,RECOVER_NS
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "lab/executor.hpp"
#include "lab/topology.hpp"

namespace vpngw::lab {

// A tunnel endpoint: SIGKILL, its outside link down, SIGSTOP. A Direct Connect VIF: its
// connection's link down, AWS's end (vpngw dx serve) stopped, or the VIF deleted (`ctl vif down`).
enum class Fault { kill, linkdown, stop, vifdelete };
Fault parse_fault(const std::string& name);  // throws std::invalid_argument naming the choices

// How the tunnel's failure is detected, written into the topology the lab is built from:
//   bfd  BFD inside each tunnel, 300 ms x 3 (a lab probe: AWS VPN has no BFD), BGP hold `hold_s`
//   bgp  the BGP hold timer alone (`hold_s`; AWS's examples: 30)
//   dpd  IKE dead-peer detection alone (BGP hold 240 s)
// With Direct Connect: bfd has the customer router start BFD on its VIFs (AWS's 300 ms x 3), bgp
// leaves the VIFs' hold timer alone (the model's, AWS's 90 s); dpd does not apply.
void set_detection(Topology& t, const std::string& method, uint16_t hold_s);

// On a Site-to-Site lab that is up (built with `o`); `label` names the run. Writes the stream's
// files and run.spec in o.work and returns the spec.
std::string measure_failover(const Topology& t, const LabOptions& o, const std::string& label, Fault fault, uint32_t pps,
                             std::ostream& progress);

// Every method x fault, each in a lab of its own built from `topology` in o.work/<method>-<fault>
// (o.work is the series' folder) and removed after its run. Returns the runs' specs.
struct FailoverSeries {
  std::string topology;  // a Site-to-Site topology file
  std::vector<std::string> methods, faults;
  uint16_t hold_s = 30;
  uint32_t pps = 1000;
};
std::vector<std::string> run_failovers(const FailoverSeries& s, const LabOptions& o, std::ostream& progress);

}  // namespace vpngw::lab
