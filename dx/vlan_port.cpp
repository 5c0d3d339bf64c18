#include "dx/vlan_port.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>

#include "common/clock.hpp"
#include "dataplane/token_bucket.hpp"
#include "dataplane/vlan.hpp"
#include "tun/netlink.hpp"

namespace vpngw::dx {
namespace {

constexpr size_t kFrameCapacity = 65536 + kVlanTagLen;

std::optional<TokenBucket> policer(const VlanPortConfig& cfg) {
  if (cfg.police_bits_per_second == 0) return std::nullopt;
  const double bytes_per_s = double(cfg.police_bits_per_second) / 8;
  return TokenBucket(bytes_per_s, std::max(bytes_per_s * cfg.police_burst_ms / 1000, 2.0 * kFrameCapacity));
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(sep, start)) != std::string::npos; start = at + 1) parts.push_back(text.substr(start, at - start));
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

VifPortConfig parse_vif_port(const std::string& text) {
  const auto parts = split(text, ':');
  auto bad = [&](const std::string& why) { return std::invalid_argument("--vif \"" + text + "\": " + why + " (VLAN:TAP[:ADDRESS/LEN[:MTU]])"); };
  if (parts.size() < 2 || parts.size() > 4) throw bad("two to four parts");
  VifPortConfig v;
  try {
    const unsigned long vlan = std::stoul(parts[0]);
    if (vlan < 1 || vlan > 4094) throw bad("VLAN 1-4094");
    v.vlan = uint16_t(vlan);
  } catch (const std::logic_error&) {
    throw bad("VLAN 1-4094");
  }
  if (parts[1].empty() || parts[1].size() > 15) throw bad("a TAP name of 1-15 characters");
  v.tap = parts[1];
  if (parts.size() > 2) {
    const auto slash = parts[2].find('/');
    const auto address = IpAddress::parse(parts[2].substr(0, slash));
    int length = -1;
    if (slash != std::string::npos) length = std::atoi(parts[2].c_str() + slash + 1);
    if (!address || address->v6 || length < 1 || length > 32) throw bad("an IPv4 address with its length");
    v.address = IpPrefix{*address, uint8_t(length)};
  }
  if (parts.size() > 3) {
    const int mtu = std::atoi(parts[3].c_str());
    if (mtu < 576 || mtu > 9216) throw bad("an MTU of 576-9216");
    v.mtu = uint32_t(mtu);
  }
  return v;
}

VlanPort::VlanPort(const VlanPortConfig& cfg) : cfg_(cfg) {
  if (cfg_.vifs.empty()) throw std::invalid_argument("dx port: no VIF");
  for (size_t i = 0; i < cfg_.vifs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (cfg_.vifs[i].vlan == cfg_.vifs[j].vlan) throw std::invalid_argument("dx port: VLAN " + std::to_string(cfg_.vifs[i].vlan) + " twice");
  link_ifindex_ = Netlink::ifindex(cfg_.link);
  link_fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (link_fd_ < 0) throw std::system_error(errno, std::generic_category(), "dx port: AF_PACKET socket on " + cfg_.link);
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ETH_P_ALL);
  at.sll_ifindex = link_ifindex_;
  const int one = 1;
  if (::bind(link_fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
      ::setsockopt(link_fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0 ||
      ::setsockopt(link_fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) {
    const int err = errno;
    ::close(link_fd_);
    throw std::system_error(err, std::generic_category(), "dx port: bind to " + cfg_.link);
  }
  Netlink nl;
  nl.set_link_up(link_ifindex_, true);
  for (const auto& v : cfg_.vifs) {
    auto vif = std::make_unique<Vif>();
    vif->cfg = v;
    vif->tap = std::make_unique<TunDevice>(v.tap, 1, DeviceKind::tap);
    const int index = Netlink::ifindex(v.tap);
    nl.set_mtu(index, v.mtu);
    if (v.address) nl.add_address(index, v.address->address, v.address->length);
    nl.set_link_up(index, true);
    vifs_.push_back(std::move(vif));
  }
}

VlanPort::~VlanPort() {
  stop();
  if (link_fd_ >= 0) ::close(link_fd_);
}

void VlanPort::start() {
  loops_.spawn([this] { run_from_link(); });
  loops_.spawn([this] { run_to_link(); });
}

void VlanPort::stop() { loops_.stop(); }

VlanPort::Vif* VlanPort::vif_for(uint16_t vlan) {
  for (auto& v : vifs_)
    if (v->cfg.vlan == vlan) return v.get();
  return nullptr;
}

void VlanPort::run_from_link() {
  std::vector<uint8_t> frame(kFrameCapacity);
  auto police = policer(cfg_);
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(tpacket_auxdata))];
  while (loops_.wait(link_fd_) == Wake::readable) {
    for (;;) {
      iovec iov{frame.data(), frame.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(link_fd_, &msg, MSG_DONTWAIT);
      if (n < 0) break;  // EAGAIN: the queue is empty
      std::optional<uint16_t> kernel_vid;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux;
        std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (aux.tp_status & TP_STATUS_VLAN_VALID) kernel_vid = aux.tp_vlan_tci;
      }
      const std::span<uint8_t> bytes(frame.data(), size_t(n));
      if (police && !police->admit(double(n + (kernel_vid ? kVlanTagLen : 0)), monotonic_ns())) {
        drop_policed_from_link_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const auto v = frame_vlan(bytes, kernel_vid);
      if (!v) {
        switch (v.error()) {
          case VlanDrop::untagged: drop_untagged_.fetch_add(1, std::memory_order_relaxed); break;
          case VlanDrop::reserved_vid: drop_reserved_vid_.fetch_add(1, std::memory_order_relaxed); break;
          case VlanDrop::short_frame: drop_short_.fetch_add(1, std::memory_order_relaxed); break;
        }
        continue;
      }
      Vif* vif = vif_for(v->vid);
      if (!vif) {
        drop_unknown_vlan_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      PacketView out{frame.data(), bytes.size()};
      if (v->inline_tag) {
        strip_vlan_tag(bytes);
        out = {frame.data() + kVlanTagLen, bytes.size() - kVlanTagLen};
      }
      if (vif->tap->write_batch(0, {&out, 1}) != 1) {
        drop_tap_write_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      vif->from_link.frames.fetch_add(1, std::memory_order_relaxed);
      vif->from_link.bytes.fetch_add(out.len, std::memory_order_relaxed);
    }
  }
}

void VlanPort::run_to_link() {
  std::vector<uint8_t> frame(kFrameCapacity);
  auto police = policer(cfg_);
  std::vector<pollfd> fds;
  for (const auto& v : vifs_) fds.push_back({v->tap->fd(0), POLLIN, 0});
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = link_ifindex_;
  to.sll_halen = ETH_ALEN;
  while (loops_.wait(fds, -1) == Wake::readable) {
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      Vif& vif = *vifs_[i];
      for (;;) {
        PacketView in{frame.data() + kVlanTagLen, frame.size() - kVlanTagLen};
        if (vif.tap->read_batch(0, {&in, 1}) != 1) break;
        const size_t len = insert_vlan_tag(frame.data(), in.len, vif.cfg.vlan);
        if (len == 0) {
          drop_short_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (police && !police->admit(double(len), monotonic_ns())) {
          drop_policed_to_link_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
        if (::sendto(link_fd_, frame.data(), len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) != ssize_t(len)) {
          drop_link_send_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        vif.to_link.frames.fetch_add(1, std::memory_order_relaxed);
        vif.to_link.bytes.fetch_add(len, std::memory_order_relaxed);
      }
    }
  }
}

nlohmann::json VlanPort::stats() const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  nlohmann::json vifs = nlohmann::json::array();
  for (const auto& v : vifs_)
    vifs.push_back({{"vlan", v->cfg.vlan}, {"tap", v->cfg.tap},
                    {"from_link", {{"frames", load(v->from_link.frames)}, {"bytes", load(v->from_link.bytes)}}},
                    {"to_link", {{"frames", load(v->to_link.frames)}, {"bytes", load(v->to_link.bytes)}}}});
  return {{"link", cfg_.link},
          {"vifs", vifs},
          {"counters",
           {{"drop_untagged", load(drop_untagged_)}, {"drop_unknown_vlan", load(drop_unknown_vlan_)},
            {"drop_reserved_vid", load(drop_reserved_vid_)}, {"drop_short", load(drop_short_)},
            {"drop_tap_write", load(drop_tap_write_)}, {"drop_link_send", load(drop_link_send_)},
            {"drop_policed_from_link", load(drop_policed_from_link_)}, {"drop_policed_to_link", load(drop_policed_to_link_)}}},
          {"police_bits_per_second", cfg_.police_bits_per_second}};
}

}  // namespace vpngw::dx
