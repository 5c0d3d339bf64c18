// rtnetlink for what a gateway and a lab need to configure: links (veth pairs, bridges), link
// state, MTU, addresses and routes. No shelling out to `ip`. A Netlink talks to the network
// namespace its thread was in when it was made (lab/netns.hpp's EnterNetns picks another one). Every call waits for the kernel's ACK and throws std::system_error with
// the operation and object in the message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"

namespace vpngw {

class Netlink {
 public:
  Netlink();
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  static int ifindex(const std::string& name);  // throws when the link does not exist

  // A veth pair: `name` in this namespace, `peer` in the namespace open as `peer_netns_fd`.
  void add_veth(const std::string& name, const std::string& peer, int peer_netns_fd);
  void add_bridge(const std::string& name);
  void set_master(int ifindex, int bridge_ifindex);  // enslave a port to a bridge

  void set_link_up(int ifindex, bool up);
  void set_mtu(int ifindex, uint32_t mtu);
  // The device queue the kernel fills before the reader drains it; bursts past it are dropped.
  void set_txqueuelen(int ifindex, uint32_t packets);
  // address/length as on `ip addr add 169.254.10.1/30`: the prefix length is the subnet's.
  void add_address(int ifindex, const IpAddress& address, uint8_t prefix_len);
  // A route out of the device, replacing an existing one for the same prefix.
  void replace_route(const IpPrefix& prefix, int ifindex);
  void delete_route(const IpPrefix& prefix, int ifindex);
  // A route through next hops on connected subnets (`ip route replace P via G` or, with several,
  // `nexthop via G1 nexthop via G2`: the kernel spreads flows over them by hash).
  void replace_route_via(const IpPrefix& prefix, const std::vector<IpAddress>& gateways, uint8_t protocol);
  void delete_route_any(const IpPrefix& prefix);  // whatever the route's device or next hops

  // Many route changes in one pipelined exchange (a full BGP table is a million of them): requests
  // go out in batches without waiting for each ACK. Deleting a route that is already gone is fine.
  // Returns the failures as "operation: error" strings instead of throwing.
  struct RouteChange {
    IpPrefix prefix;
    bool add;
    std::optional<IpAddress> via;  // a next hop on a connected subnet instead of the device
  };
  std::vector<std::string> apply_routes(const std::vector<RouteChange>& changes, int ifindex, uint8_t protocol);
  static constexpr uint8_t kProtoStatic = 4;  // RTPROT_STATIC
  static constexpr uint8_t kProtoBgp = 186;   // RTPROT_BGP: `ip route show proto bgp`

 private:
  void request(void* msg, const std::string& what);
  void set_link_u32(int ifindex, uint16_t attribute, uint32_t value, const std::string& what);

  int fd_ = -1;
  uint32_t seq_ = 0;
};

}  // namespace vpngw
