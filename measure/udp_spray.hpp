// Small UDP packets as fast as one core sends them through a raw socket (IP_HDRINCL + sendmmsg),
// spread over many source addresses and ports, to load a NAT with existing or new flows
// (`vpngw stream spray`, the NAT rows of `vpngw bench`). Flow i uses source first + i % sources
// and port 1024 + i / sources; packets cycle over `flows` flows, so `flows` larger than what is
// sent makes every packet a new flow. Root; sends only where it is told.
#pragma once

#include <cstdint>

#include "common/ip_prefix.hpp"

namespace vpngw::measure {

struct SprayPlan {
  IpAddress to, first_source;
  uint16_t port = 9;
  uint32_t sources = 1, flows = 1;
  double seconds = 1;
  uint64_t max_packets = UINT64_MAX;
};

struct SprayResult {
  uint64_t sent = 0;
  double seconds = 0;
};

// Throws std::system_error when the raw socket cannot be made, std::invalid_argument for IPv6
// addresses or zero sources or flows.
SprayResult spray_udp(const SprayPlan& plan);

}  // namespace vpngw::measure
