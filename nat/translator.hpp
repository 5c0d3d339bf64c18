// Source NAT (NAPT) for IPv4, as Client VPN does at its ENIs: client packets leave with the ENI's
// address, replies to that address come back to the client. I/O-free: packets are byte spans
// rewritten in place, and the verdict says where they go next.
//
//   outbound  client -> world: find or create the mapping (client addr, port/ICMP id, proto, ENI),
//             rewrite source address and port, fix checksums incrementally (RFC 1624).
//   inbound   world -> ENI address: find the mapping by (ENI, proto, port), rewrite destination.
//   ICMP      echo identifiers are mapped like ports; ICMP errors have their embedded header
//             translated only when a mapping exists, and never refresh it (RFC 5508).
//   TCP       mappings are transitory (4 min) until both sides have sent SYN, established
//             (2 h 4 min) after, transitory again after FIN from both sides or RST (RFC 5382).
//   fragments the first fragment carries the ports; later ones follow it by (addr, IP id, proto).
//   hairpin   a client packet to an ENI mapping goes out and straight back in (RFC 4787 REQ-9).
//   full      a client whose flow cannot get a mapping gets ICMP 3/13 back and the drop counts.
//   sources   only the clients' addresses are translated: a packet from outside client_cidr (an
//             ENI's own address looping back, a spoofed one) or from the gateway itself is
//             dropped before it can make a mapping.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "nat/counters.hpp"
#include "nat/flow_table.hpp"

namespace vpngw::nat {

struct TranslatorConfig {
  std::vector<uint32_t> eni_addresses;  // host order; index = ENI number
  uint32_t inside_address = 0;  // the gateway's own address on the client side: source of ICMP errors we make
  // client_cidr (host order): a client-side packet from anywhere else, or from inside_address
  // (the gateway's own ICMP redirects), is dropped. Mask 0 accepts any source (tests, benches).
  uint32_t client_network = 0;
  uint32_t client_mask = 0;
  uint32_t capacity = 1 << 16;  // mappings
  Timeouts timeouts;
};

enum class Action : uint8_t {
  to_outside,  // send out of ENI `eni`
  to_inside,   // send to the client (destination rewritten)
  reply,       // the packet was replaced by an ICMP error for the client (`len` is its length)
  drop,
};

struct Verdict {
  Action action;
  Counter counter;  // what it was counted as
  uint8_t eni = 0;
  uint16_t len = 0;  // packet length after translation
};

// Room a buffer needs beyond the packet so an ICMP error can replace it: IP + ICMP headers plus
// the quoted IP header (at most 60) and 8 bytes.
constexpr size_t kIcmpErrorMax = 20 + 8 + 60 + 8;

class Translator {
 public:
  explicit Translator(const TranslatorConfig& cfg);

  // `pkt` holds one IPv4 packet of `len` bytes in a buffer of `pkt.size()` >= max(len, kIcmpErrorMax)
  // bytes. `eni` is the ENI a new mapping gets (the one on the route towards the destination).
  Verdict outbound(std::span<uint8_t> pkt, size_t len, uint8_t eni, uint32_t now);
  // A packet that arrived on ENI `eni`.
  Verdict inbound(std::span<uint8_t> pkt, size_t len, uint8_t eni, uint32_t now);

  // Call about once a second: drops timed-out mappings.
  void expire(uint32_t now);

  const Counters& counters() const { return counters_; }
  FlowTable& table() { return table_; }
  const TranslatorConfig& config() const { return cfg_; }

  struct Packet;  // a bounds-checked view of one IPv4 packet (translator.cpp)

 private:
  Verdict translate_out(Packet& p, uint8_t eni, uint32_t now);
  Verdict translate_in(Packet& p, uint8_t eni, uint32_t now, bool hairpin);
  Verdict icmp_error_out(Packet& p, uint8_t eni);
  Verdict icmp_error_in(Packet& p, uint8_t eni);
  Verdict refuse(std::span<uint8_t> pkt, size_t len, Counter why);
  Verdict count(Action a, Counter c, uint8_t eni, size_t len);
  std::optional<uint8_t> eni_of(uint32_t addr) const;

  // Fragments after the first: (addr, IP id, proto, direction) -> mapping, direct-mapped.
  struct FragmentEntry {
    uint32_t addr = 0;
    uint32_t mapping = kNil;
    uint32_t expires = 0;
    uint16_t ip_id = 0;
    uint8_t proto = 0;
    uint8_t inbound = 0;
  };
  FragmentEntry& fragment_slot(uint32_t addr, uint16_t id, uint8_t proto, bool inbound);
  void remember_fragment(uint32_t addr, uint16_t id, uint8_t proto, bool inbound, uint32_t mapping, uint32_t now);
  uint32_t find_fragment(uint32_t addr, uint16_t id, uint8_t proto, bool inbound, uint32_t now);

  TranslatorConfig cfg_;
  FlowTable table_;
  Counters counters_;
  std::vector<FragmentEntry> fragments_;
};

}  // namespace vpngw::nat
