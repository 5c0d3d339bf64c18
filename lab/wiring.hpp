// The pieces a lab's network is made of, as values: what lab/network_plan.hpp lists and a
// topology's own [[node]], [[bridge]], [[link]] and [[route]] tables name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"

namespace vpngw::lab {

struct InterfaceAddress {
  IpAddress ip;
  uint8_t length = 0;
  std::string to_string() const { return ip.to_string() + "/" + std::to_string(length); }
  bool operator==(const InterfaceAddress&) const = default;
};

struct VethEnd {
  std::string node;
  std::string device;
  std::optional<InterfaceAddress> address;
  std::string bridge;  // non-empty: a port of this bridge in its node
};

struct Veth {
  VethEnd a, b;  // made in a's node, b moved to its own
};

struct Bridge {
  std::string node, name;
  std::vector<InterfaceAddress> addresses;
};

struct StaticRoute {
  std::string node;
  IpPrefix prefix;
  IpAddress via;
};

struct Sysctl {
  std::string node, key, value;
};

struct DeviceAddress {
  std::string node, device;
  InterfaceAddress address;
};

}  // namespace vpngw::lab
