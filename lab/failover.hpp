// A measured failover in a Site-to-Site lab (`vpngw lab failover`): a sequenced 1000 pps UDP
// stream from the first on-prem host to the first VPC host, the AWS endpoint of the tunnel the
// customer gateway sends through failed, the moment the customer gateway drops that tunnel's BGP
// session taken from its own clock (detection), the endpoint brought back, and the run left as a
// spec for measure/'s report (`vpngw stream report --run`):
//   LABEL,ARRIVALS_CSV,SENT,FAULT_NS,DETECT_NS,RECOVER_NS
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "lab/executor.hpp"
#include "lab/topology.hpp"

namespace vpngw::lab {

enum class Fault { kill, linkdown, stop };  // SIGKILL, its outside link down, SIGSTOP
Fault parse_fault(const std::string& name);  // throws std::invalid_argument naming the choices

// How the tunnel's failure is detected, written into the topology the lab is built from:
//   bfd  BFD inside each tunnel, 300 ms x 3 (a lab probe: AWS VPN has no BFD), BGP hold `hold_s`
//   bgp  the BGP hold timer alone (`hold_s`; AWS's examples: 30)
//   dpd  IKE dead-peer detection alone (BGP hold 240 s)
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
