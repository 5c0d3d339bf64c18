// The NAT's mappings (RFC 4787 endpoint-independent: one per client address, port/ICMP id,
// protocol and ENI), in a fixed budget fixed at start: 32 bytes a mapping plus 8 bytes of hash
// heads, so 1M flows take about 40 MB. Lookups in either direction are one hash probe and a short
// chain; expiry never scans: each timeout class keeps its mappings on an LRU list in expiry order
// (a refresh moves a mapping to the tail), so expiring is popping heads.
//
// Owned by one worker thread: no locks, no atomics.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "nat/counters.hpp"

namespace vpngw::nat {

enum class Proto : uint8_t { icmp = 1, tcp = 6, udp = 17 };
enum class TimeoutClass : uint8_t { udp, tcp_established, tcp_transitory, icmp, count_ };

// Seconds. Defaults are at or above the RFC minimums: RFC 4787 REQ-5 (UDP >= 2 min, 5 min
// recommended), RFC 5382 REQ-5 (TCP established >= 2 h 4 min, transitory >= 4 min), RFC 5508
// REQ-1 (ICMP query >= 60 s).
struct Timeouts {
  uint32_t udp = 300;
  uint32_t tcp_established = 7440;
  uint32_t tcp_transitory = 240;
  uint32_t icmp = 60;
  uint32_t of(TimeoutClass c) const {
    switch (c) {
      case TimeoutClass::udp: return udp;
      case TimeoutClass::tcp_established: return tcp_established;
      case TimeoutClass::tcp_transitory: return tcp_transitory;
      default: return icmp;
    }
  }
};

constexpr uint32_t kNil = UINT32_MAX;

// TCP events seen on a mapping, for RFC 5382's established/transitory split.
enum TcpSeen : uint8_t { syn_out = 1, syn_in = 2, fin_out = 4, fin_in = 8, rst = 16 };

struct Mapping {
  uint32_t inside_addr;  // host order
  uint32_t next_inside;  // hash chains
  uint32_t next_outside;
  uint32_t lru_prev;
  uint32_t lru_next;
  uint32_t expires;  // engine clock, seconds
  uint16_t inside_port;  // or ICMP identifier
  uint16_t outside_port;
  Proto proto;
  uint8_t eni;
  uint8_t tcp_seen;
  TimeoutClass klass;
};
static_assert(sizeof(Mapping) == 32, "the per-flow budget depends on this");

class FlowTable {
 public:
  // `capacity` mappings at most; `eni_count` outside addresses, each with its own port space.
  FlowTable(uint32_t capacity, uint8_t eni_count, Timeouts timeouts = {});

  uint32_t find_inside(uint8_t eni, Proto p, uint32_t addr, uint16_t port) const;
  uint32_t find_outside(uint8_t eni, Proto p, uint16_t port) const;

  struct Created {
    uint32_t index;
    bool port_preserved;
  };
  // A new mapping: the client's own port if free on that ENI (RFC 4787 REQ-1 and AWS), otherwise
  // another from the same range (0-1023 or 1024-65535, REQ-3), never one already in use (no port
  // overloading, REQ-2). Expired mappings are reclaimed first when the table is full.
  Result<Created, Counter> create(uint8_t eni, Proto p, uint32_t addr, uint16_t port, TimeoutClass k, uint32_t now);
  // Moves the expiry to now + the class's timeout (and the mapping to its class's tail).
  void refresh(uint32_t index, TimeoutClass k, uint32_t now);
  // Removes every mapping whose time is up; returns how many went.
  size_t expire(uint32_t now);

  Mapping& at(uint32_t i) { return slots_[i]; }
  const Mapping& at(uint32_t i) const { return slots_[i]; }
  size_t size() const { return used_; }
  size_t capacity() const { return slots_.size(); }
  size_t memory_bytes() const;
  const Timeouts& timeouts() const { return timeouts_; }

 private:
  uint32_t inside_bucket(uint8_t eni, Proto p, uint32_t addr, uint16_t port) const;
  uint32_t outside_bucket(uint8_t eni, Proto p, uint16_t port) const;
  void lru_push(uint32_t i, TimeoutClass k);
  void lru_unlink(uint32_t i);
  void remove(uint32_t i);
  // Port bitmaps: one bit per port, per ENI and protocol.
  uint64_t* ports(uint8_t eni, Proto p);
  bool port_used(uint8_t eni, Proto p, uint16_t port);
  void set_port(uint8_t eni, Proto p, uint16_t port, bool used);
  std::optional<uint16_t> allocate_port(uint8_t eni, Proto p, uint16_t wanted);

  Timeouts timeouts_;
  uint8_t eni_count_;
  std::vector<Mapping> slots_;
  std::vector<uint32_t> inside_heads_, outside_heads_;
  uint32_t mask_;
  uint32_t free_head_ = kNil;
  size_t used_ = 0;
  std::array<uint32_t, size_t(TimeoutClass::count_)> lru_head_, lru_tail_;
  std::vector<uint64_t> port_bits_;  // eni * 3 protocols * 1024 words
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace vpngw::nat
