// The ENI-like interface's Ethernet side, I/O-free: what AWS's elastic network interface does for
// Client VPN in a VPC subnet. It owns a MAC and an IPv4 address, answers ARP for that address and
// ICMP echo to it, resolves next hops by ARP (holding a few packets while it asks), and hands
// every other IPv4 packet to that address to the NAT. Frames go out through an EniOutput (a TAP
// device in the gateway, a recorder in tests).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>
#include <vector>

namespace vpngw::nat {

using Mac = std::array<uint8_t, 6>;

// An ENI's MAC when none is configured: locally administered and derived from its IPv4 address
// (host order), like AWS's 02:... ENI MACs.
inline Mac mac_for_address(uint32_t address) {
  return {0x02, 0x00, uint8_t(address >> 24), uint8_t(address >> 16), uint8_t(address >> 8), uint8_t(address)};
}

#define VPNGW_ENI_COUNTERS(X)                                                   \
  X(arp_replies_sent, "ARP requests for the ENI address answered")              \
  X(arp_requests_sent, "ARP requests sent to resolve a next hop")               \
  X(echo_replies_sent, "ICMP echo requests to the ENI address answered")        \
  X(to_nat, "IPv4 packets to the ENI address handed to the NAT")                \
  X(frames_sent, "IPv4 packets sent out as frames")                             \
  X(drop_not_for_us, "frames for another MAC, or IPv4 for another address")     \
  X(drop_malformed, "runt frames, bad ARP or IPv4 headers")                     \
  X(drop_unsupported, "EtherTypes other than IPv4 and ARP (IPv6, LLDP, ...)")   \
  X(drop_no_route, "no next hop: off-subnet with no gateway configured")        \
  X(drop_arp_queue_full, "packets dropped while waiting for ARP (queue full)")

enum class EniCounter : uint8_t {
#define VPNGW_ENI_ENUM(name, help) name,
  VPNGW_ENI_COUNTERS(VPNGW_ENI_ENUM)
#undef VPNGW_ENI_ENUM
      count_
};
inline constexpr size_t kEniCounterCount = size_t(EniCounter::count_);
inline constexpr std::array<const char*, kEniCounterCount> kEniCounterNames{{
#define VPNGW_ENI_NAME(name, help) #name,
    VPNGW_ENI_COUNTERS(VPNGW_ENI_NAME)
#undef VPNGW_ENI_NAME
}};

struct EniConfig {
  Mac mac{};
  uint32_t address = 0;  // host order
  uint8_t prefix_len = 24;
  uint32_t gateway = 0;  // the subnet's router for off-subnet destinations; 0: none
};

class EniOutput {
 public:
  virtual ~EniOutput() = default;
  virtual void write_frame(std::span<const uint8_t> frame) = 0;
};

constexpr size_t kEthHeader = 14;

class Eni {
 public:
  Eni(const EniConfig& cfg, EniOutput& out) : cfg_(cfg), out_(out) {}

  // A frame read from the wire. Returns the IPv4 packet inside it (a span into `frame`) when it is
  // for the NAT; answers ARP and echo itself.
  std::span<uint8_t> receive(std::span<uint8_t> frame, uint32_t now);

  // Sends an IPv4 packet that sits at `buf[kEthHeader..]` (the first 14 bytes are room for the
  // Ethernet header). Without a known next-hop MAC the packet waits for ARP.
  void send(std::span<uint8_t> buf, size_t ip_len, uint32_t now);

  bool contains(uint32_t addr) const { return ((addr ^ cfg_.address) & mask()) == 0; }
  const EniConfig& config() const { return cfg_; }
  uint64_t counter(EniCounter c) const { return counters_[size_t(c)].load(std::memory_order_relaxed); }
  size_t neighbors() const { return neighbors_.size(); }

 private:
  struct Neighbor {
    Mac mac{};
    bool resolved = false;
    uint32_t asked_at = 0;
    std::deque<std::vector<uint8_t>> waiting;  // whole frames minus the destination MAC
  };
  uint32_t mask() const { return cfg_.prefix_len == 0 ? 0 : ~uint32_t(0) << (32 - cfg_.prefix_len); }
  // Single writer (the worker), readers anywhere.
  void count(EniCounter c) {
    auto& v = counters_[size_t(c)];
    v.store(v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void handle_arp(std::span<uint8_t> frame, uint32_t now);
  void answer_echo(std::span<uint8_t> frame, size_t ip_len);
  void learn(uint32_t ip, const Mac& mac);
  void send_arp(uint16_t op, const Mac& eth_dst, const Mac& target_mac, uint32_t target_ip);
  // Writes a frame, zero-padded to Ethernet's 60-byte minimum.
  void emit(std::span<const uint8_t> frame);

  EniConfig cfg_;
  EniOutput& out_;
  std::unordered_map<uint32_t, Neighbor> neighbors_;
  size_t waiting_total_ = 0;
  std::array<std::atomic<uint64_t>, kEniCounterCount> counters_{};
};

}  // namespace vpngw::nat
