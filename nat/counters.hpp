// Every packet the NAT engine sees ends in one of these counters (and mapping events have theirs).
// One list gives the enum and the names in stats, as for the data plane's counters.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpngw::nat {

#define VPNGW_NAT_COUNTERS(X)                                                                        \
  X(out_translated, "client packets translated to an ENI address")                                   \
  X(in_translated, "packets to an ENI address translated back to a client")                         \
  X(hairpinned, "client packets to an ENI mapping, turned around to the other client")              \
  X(icmp_errors_translated, "ICMP errors whose embedded header was translated (RFC 5508)")          \
  X(fragments_translated, "non-first fragments that followed their first fragment's mapping")        \
  X(mappings_created, "new mappings")                                                                \
  X(mappings_expired, "mappings that timed out")                                                     \
  X(ports_preserved, "new mappings that kept the client's own port or ICMP identifier")              \
  X(drop_not_ipv4, "IPv6 or another version: the NAT translates IPv4 only")                        \
  X(drop_malformed, "not a sane IPv4 packet: short, bad header length, total length past the end") \
  X(drop_truncated_l4, "TCP/UDP/ICMP header cut short")                                              \
  X(drop_unsupported, "a protocol or ICMP type the NAT does not translate")                          \
  X(drop_source_not_client, "client-side packet from outside client_cidr or from the gateway itself")  \
  X(drop_no_mapping, "inbound packet with no mapping for its destination port")                      \
  X(drop_icmp_error_no_mapping, "ICMP error whose embedded packet matches no mapping")               \
  X(drop_fragment_no_mapping, "non-first fragment whose first fragment was not seen")                \
  X(drop_table_full, "no free mapping: ICMP 3/13 sent back to the client")                           \
  X(drop_ports_exhausted, "no free port on the ENI address: ICMP 3/13 sent back to the client")

enum class Counter : uint8_t {
#define VPNGW_NAT_COUNTER_ENUM(name, help) name,
  VPNGW_NAT_COUNTERS(VPNGW_NAT_COUNTER_ENUM)
#undef VPNGW_NAT_COUNTER_ENUM
      count_
};
inline constexpr size_t kCounterCount = size_t(Counter::count_);

struct CounterInfo {
  std::string_view name;
  std::string_view help;
};
inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo{{
#define VPNGW_NAT_COUNTER_INFO(name, help) {#name, help},
    VPNGW_NAT_COUNTERS(VPNGW_NAT_COUNTER_INFO)
#undef VPNGW_NAT_COUNTER_INFO
}};

// One writer (the worker that owns the translator), any readers: a relaxed load and store, not a
// locked read-modify-write, so counting costs what a plain increment does.
struct Counters {
  std::array<std::atomic<uint64_t>, kCounterCount> values{};
  void add(Counter c, uint64_t n = 1) {
    auto& v = values[size_t(c)];
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get(Counter c) const { return values[size_t(c)].load(std::memory_order_relaxed); }
};

}  // namespace vpngw::nat
