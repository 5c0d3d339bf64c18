// What `vpngw lab capture` and `vpngw lab report` take from a running lab: a tunnel's ESP at the
// customer gateway with the SAs that decrypt it, and the VPC router's CloudWatch metrics.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "lab/topology.hpp"

namespace vpngw::lab {

struct Capture {
  std::filesystem::path pcap, esp_sa, decode;  // decode: a shell script running tshark with the SAs
  size_t packets = 0, sas = 0;
};

// `tunnel` is "tunnel1" or "tunnel2"; captures UDP 4500 between the customer gateway and that
// tunnel's AWS end for `seconds` on the customer gateway's out0, then asks it for the SAs
// (the Child SAs the capture saw are among the last 8 it keeps, rekeys included).
Capture capture_tunnel(const Topology& t, const std::string& prefix, const std::string& tunnel, unsigned seconds,
                       const std::filesystem::path& out);

// The aws_vpn_* lines of the VPC router's Prometheus endpoint (127.0.0.1:PORT in its node).
std::string vpc_router_metrics(const std::string& prefix, uint16_t port);

}  // namespace vpngw::lab
