#include "tun/netlink.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <algorithm>
#include <system_error>

namespace vpngw {
namespace {

// A request buffer; the header sits at its start and attributes follow it.
struct Message {
  alignas(nlmsghdr) char bytes[1024] = {};
  nlmsghdr& hdr() { return *reinterpret_cast<nlmsghdr*>(bytes); }
};

void add_attr(nlmsghdr* h, uint16_t type, const void* data, size_t len) {
  char* base = reinterpret_cast<char*>(h);
  auto* rta = reinterpret_cast<rtattr*>(base + NLMSG_ALIGN(h->nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = uint16_t(RTA_LENGTH(len));
  std::memcpy(RTA_DATA(rta), data, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

// Nested attributes (IFLA_LINKINFO and what it holds): open one, append inside, close it.
rtattr* nest_begin(nlmsghdr* h, uint16_t type) {
  auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(h) + NLMSG_ALIGN(h->nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH(0);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
  return rta;
}

void nest_end(nlmsghdr* h, rtattr* nest) {
  nest->rta_len = uint16_t(reinterpret_cast<char*>(h) + h->nlmsg_len - reinterpret_cast<char*>(nest));
}

void add_name(nlmsghdr* h, uint16_t type, const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) throw std::invalid_argument("network device name '" + name + "': 1 to 15 characters");
  add_attr(h, type, name.c_str(), name.size() + 1);
}

uint8_t family(const IpAddress& a) { return a.v6 ? AF_INET6 : AF_INET; }
size_t addr_len(const IpAddress& a) { return a.v6 ? 16 : 4; }

}  // namespace

Netlink::Netlink() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "netlink socket");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
    const int err = errno;
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "netlink bind");
  }
}

Netlink::~Netlink() {
  if (fd_ >= 0) ::close(fd_);
}

int Netlink::ifindex(const std::string& name) {
  const unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) throw std::system_error(errno, std::generic_category(), "no network device '" + name + "'");
  return int(idx);
}

void Netlink::request(void* msg, const std::string& what) {
  auto* h = static_cast<nlmsghdr*>(msg);
  h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  h->nlmsg_seq = ++seq_;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, h, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    throw std::system_error(errno, std::generic_category(), "netlink send: " + what);
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "netlink recv: " + what);
    }
    int left = int(n);
    for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
      if (r->nlmsg_seq != seq_ || r->nlmsg_type != NLMSG_ERROR) continue;
      const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(r));
      if (err->error == 0) return;
      throw std::system_error(-err->error, std::generic_category(), what);
    }
  }
}

namespace {

// RTM_NEWLINK for a new device NAME of KIND ("veth", "bridge"); returns the open IFLA_LINKINFO
// nest, for kind-specific data, which the caller closes.
rtattr* begin_new_link(Message& m, const std::string& name, std::string_view kind) {
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  m.hdr().nlmsg_type = RTM_NEWLINK;
  m.hdr().nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  add_name(&m.hdr(), IFLA_IFNAME, name);
  rtattr* info = nest_begin(&m.hdr(), IFLA_LINKINFO);
  add_attr(&m.hdr(), IFLA_INFO_KIND, kind.data(), kind.size());
  return info;
}

}  // namespace

void Netlink::add_veth(const std::string& name, const std::string& peer, int peer_netns_fd) {
  Message m{};
  rtattr* info = begin_new_link(m, name, "veth");
  rtattr* data = nest_begin(&m.hdr(), IFLA_INFO_DATA);
  // VETH_INFO_PEER holds an ifinfomsg of its own, then the peer's attributes.
  rtattr* peer_info = nest_begin(&m.hdr(), 1 /* VETH_INFO_PEER */);
  m.hdr().nlmsg_len += NLMSG_ALIGN(sizeof(ifinfomsg));
  add_name(&m.hdr(), IFLA_IFNAME, peer);
  const uint32_t fd = uint32_t(peer_netns_fd);
  add_attr(&m.hdr(), IFLA_NET_NS_FD, &fd, sizeof fd);
  nest_end(&m.hdr(), peer_info);
  nest_end(&m.hdr(), data);
  nest_end(&m.hdr(), info);
  request(&m.hdr(), "add veth " + name + " (peer " + peer + ")");
}

void Netlink::add_bridge(const std::string& name) {
  Message m{};
  nest_end(&m.hdr(), begin_new_link(m, name, "bridge"));
  request(&m.hdr(), "add bridge " + name);
}

void Netlink::set_master(int ifindex, int bridge_ifindex) {
  set_link_u32(ifindex, IFLA_MASTER, uint32_t(bridge_ifindex), "set master ifindex " + std::to_string(bridge_ifindex));
}

void Netlink::set_link_up(int ifindex, bool up) {
  Message m{};
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  m.hdr().nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(&m.hdr()));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  request(&m.hdr(), std::string("set link ") + (up ? "up" : "down") + " ifindex " + std::to_string(ifindex));
}

void Netlink::set_mtu(int ifindex, uint32_t mtu) {
  set_link_u32(ifindex, IFLA_MTU, mtu, "set mtu " + std::to_string(mtu));
}

void Netlink::set_txqueuelen(int ifindex, uint32_t packets) {
  set_link_u32(ifindex, IFLA_TXQLEN, packets, "set txqueuelen " + std::to_string(packets));
}

void Netlink::set_link_u32(int ifindex, uint16_t attribute, uint32_t value, const std::string& what) {
  Message m{};
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  m.hdr().nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(&m.hdr()));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  add_attr(&m.hdr(), attribute, &value, sizeof value);
  request(&m.hdr(), what + " on ifindex " + std::to_string(ifindex));
}

void Netlink::add_address(int ifindex, const IpAddress& address, uint8_t prefix_len) {
  Message m{};
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  m.hdr().nlmsg_type = RTM_NEWADDR;
  m.hdr().nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
  auto* ifa = static_cast<ifaddrmsg*>(NLMSG_DATA(&m.hdr()));
  ifa->ifa_family = family(address);
  ifa->ifa_prefixlen = prefix_len;
  ifa->ifa_index = uint32_t(ifindex);
  add_attr(&m.hdr(), IFA_LOCAL, address.bytes.data(), addr_len(address));
  add_attr(&m.hdr(), IFA_ADDRESS, address.bytes.data(), addr_len(address));
  request(&m.hdr(), "add address " + address.to_string() + "/" + std::to_string(prefix_len) + " on ifindex " +
                  std::to_string(ifindex));
}

namespace {

void build_route(Message& m, const IpPrefix& prefix, int ifindex, bool add, uint8_t protocol,
                 const std::optional<IpAddress>& via = std::nullopt) {
  m = Message{};
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  m.hdr().nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
  m.hdr().nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
  auto* rt = static_cast<rtmsg*>(NLMSG_DATA(&m.hdr()));
  rt->rtm_family = family(prefix.address);
  rt->rtm_dst_len = prefix.length;
  rt->rtm_table = RT_TABLE_MAIN;
  // A delete with a protocol matches the prefix and protocol only (whichever device or next hop
  // the route had); one without matches the device.
  rt->rtm_protocol = protocol;
  rt->rtm_scope = !add ? RT_SCOPE_NOWHERE : via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt->rtm_type = add ? RTN_UNICAST : 0;
  add_attr(&m.hdr(), RTA_DST, prefix.address.bytes.data(), addr_len(prefix.address));
  if (add && via) {
    add_attr(&m.hdr(), RTA_GATEWAY, via->bytes.data(), addr_len(*via));
    return;
  }
  if (!add && protocol != 0) return;
  const uint32_t oif = uint32_t(ifindex);
  add_attr(&m.hdr(), RTA_OIF, &oif, sizeof oif);
}

std::string route_what(const IpPrefix& prefix, int ifindex, bool add, const std::optional<IpAddress>& via = std::nullopt) {
  return std::string(add ? "route " : "delete route ") + prefix.to_string() +
         (via ? " via " + via->to_string() : " dev ifindex " + std::to_string(ifindex));
}

}  // namespace

void Netlink::replace_route(const IpPrefix& prefix, int ifindex) {
  Message m;
  build_route(m, prefix, ifindex, true, kProtoStatic);
  request(&m.hdr(), route_what(prefix, ifindex, true));
}

void Netlink::delete_route(const IpPrefix& prefix, int ifindex) {
  Message m;
  build_route(m, prefix, ifindex, false, 0);
  request(&m.hdr(), route_what(prefix, ifindex, false));
}

void Netlink::replace_route_via(const IpPrefix& prefix, const std::vector<IpAddress>& gateways, uint8_t protocol) {
  if (gateways.empty()) throw std::invalid_argument("route " + prefix.to_string() + ": no next hop");
  Message m;
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  m.hdr().nlmsg_type = RTM_NEWROUTE;
  m.hdr().nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
  auto* rt = static_cast<rtmsg*>(NLMSG_DATA(&m.hdr()));
  rt->rtm_family = family(prefix.address);
  rt->rtm_dst_len = prefix.length;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = protocol;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  add_attr(&m.hdr(), RTA_DST, prefix.address.bytes.data(), addr_len(prefix.address));
  std::string what = "route " + prefix.to_string();
  for (const auto& g : gateways) what += " via " + g.to_string();
  if (gateways.size() == 1) {
    add_attr(&m.hdr(), RTA_GATEWAY, gateways[0].bytes.data(), addr_len(gateways[0]));
  } else {
    // RTA_MULTIPATH: one rtnexthop per gateway, each followed by its own RTA_GATEWAY.
    char nested[512] = {};
    size_t len = 0;
    for (const auto& g : gateways) {
      const size_t one = RTNH_ALIGN(sizeof(rtnexthop) + RTA_SPACE(addr_len(g)));
      if (len + one > sizeof nested) throw std::invalid_argument(what + ": too many next hops");
      auto* nh = reinterpret_cast<rtnexthop*>(nested + len);
      nh->rtnh_len = uint16_t(sizeof(rtnexthop) + RTA_SPACE(addr_len(g)));
      auto* rta = reinterpret_cast<rtattr*>(nested + len + sizeof(rtnexthop));
      rta->rta_type = RTA_GATEWAY;
      rta->rta_len = uint16_t(RTA_LENGTH(addr_len(g)));
      std::memcpy(RTA_DATA(rta), g.bytes.data(), addr_len(g));
      len += one;
    }
    add_attr(&m.hdr(), RTA_MULTIPATH, nested, len);
  }
  request(&m.hdr(), what);
}

void Netlink::delete_route_any(const IpPrefix& prefix) {
  Message m;
  m.hdr().nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  m.hdr().nlmsg_type = RTM_DELROUTE;
  auto* rt = static_cast<rtmsg*>(NLMSG_DATA(&m.hdr()));
  rt->rtm_family = family(prefix.address);
  rt->rtm_dst_len = prefix.length;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_scope = RT_SCOPE_NOWHERE;
  add_attr(&m.hdr(), RTA_DST, prefix.address.bytes.data(), addr_len(prefix.address));
  request(&m.hdr(), "delete route " + prefix.to_string());
}

std::vector<std::string> Netlink::apply_routes(const std::vector<RouteChange>& changes, int ifindex, uint8_t protocol) {
  std::vector<std::string> errors;
  constexpr size_t kBatch = 256;  // requests in flight: well inside the socket's receive buffer for ACKs
  std::vector<char> out;
  Message m;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  char buf[16384];
  for (size_t at = 0; at < changes.size(); at += kBatch) {
    const size_t n = std::min(kBatch, changes.size() - at);
    out.clear();
    const uint32_t first_seq = seq_ + 1;
    for (size_t i = 0; i < n; ++i) {
      const auto& c = changes[at + i];
      build_route(m, c.prefix, ifindex, c.add, protocol, c.via);
      m.hdr().nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
      m.hdr().nlmsg_seq = ++seq_;
      out.insert(out.end(), m.bytes, m.bytes + NLMSG_ALIGN(m.hdr().nlmsg_len));
    }
    if (::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
      errors.push_back("netlink send of " + std::to_string(n) + " route changes: " + std::strerror(errno));
      continue;
    }
    size_t acked = 0;
    while (acked < n) {
      const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        errors.push_back(std::string("netlink recv: ") + std::strerror(errno));
        break;
      }
      int left = int(got);
      for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
        if (r->nlmsg_type != NLMSG_ERROR || r->nlmsg_seq < first_seq || r->nlmsg_seq > seq_) continue;
        ++acked;
        const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
        const auto& c = changes[at + (r->nlmsg_seq - first_seq)];
        if (err != 0 && !(err == ESRCH && !c.add))
          errors.push_back(route_what(c.prefix, ifindex, c.add, c.via) + ": " + std::strerror(err));
      }
    }
  }
  return errors;
}

}  // namespace vpngw
