// What a Direct Connect end is told besides the model: which device each connection (or LAG) is
// here, and for the customer's router its prefixes and steering tools. Plain values (the lab's
// topology reads them without the runtime).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"

namespace vpngw::dx {

// Which connection (or LAG, run as one link) is which device in this namespace.
struct EndpointLink {
  std::string connection;
  std::string device;
};

struct CustomerInputs {
  std::string name = "customer";
  std::vector<EndpointLink> links;       // the customer's devices, one per connection it reaches
  std::vector<IpPrefix> announce;        // the on-prem prefixes
  bool bfd = false;                      // start BFD (AWS's end answers: 300 ms x 3)
  uint32_t bfd_interval_ms = 300;
  std::map<std::string, std::vector<uint32_t>> communities;  // per VIF id, on what the customer announces
  std::map<std::string, uint8_t> prepend;                     // per VIF id
  uint32_t local_pref = 100;  // what AWS's routes over Direct Connect get (above a VPN's: preferred)
  std::string preferred_vif;  // its routes get local_pref + 100: the customer sends through it first
};

}  // namespace vpngw::dx
