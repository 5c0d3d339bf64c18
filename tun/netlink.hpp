// rtnetlink for what a gateway needs to configure: link state, MTU, addresses and routes. No
// shelling out to `ip`. Every call waits for the kernel's ACK and throws std::system_error with
// the operation and object in the message.
#pragma once

#include <cstdint>
#include <string>

#include "common/ip_prefix.hpp"

namespace vpngw {

class Netlink {
 public:
  Netlink();
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  static int ifindex(const std::string& name);  // throws when the link does not exist

  void set_link_up(int ifindex, bool up);
  void set_mtu(int ifindex, uint32_t mtu);
  // address/length as on `ip addr add 169.254.10.1/30`: the prefix length is the subnet's.
  void add_address(int ifindex, const IpAddress& address, uint8_t prefix_len);
  // A route out of the device, replacing an existing one for the same prefix.
  void replace_route(const IpPrefix& prefix, int ifindex);
  void delete_route(const IpPrefix& prefix, int ifindex);

 private:
  void request(void* msg, const std::string& what);

  int fd_ = -1;
  uint32_t seq_ = 0;
};

}  // namespace vpngw
