// Every packet the data plane handles ends in exactly one of these counters. The list is the
// single source for the enum, the names shown to users, and the stats JSON keys (VPP style), so
// a new drop reason cannot exist without a name.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpngw {

#define VPNGW_DATAPLANE_COUNTERS(X)                                                        \
  X(tx_packets, "inner packets encrypted and handed to the UDP socket")                    \
  X(tx_bytes, "inner bytes encrypted")                                                     \
  X(rx_packets, "ESP packets decrypted and written to the TUN device")                     \
  X(rx_bytes, "inner bytes decrypted")                                                     \
  X(rx_nat_keepalive, "RFC 3948 NAT-keepalive bytes (0xff) received")                      \
  X(rx_non_esp, "UDP 4500 packets with the non-ESP marker (IKE), not for the data plane")  \
  X(drop_tx_not_ip, "packet read from TUN is not IPv4/IPv6 or is truncated")               \
  X(drop_tx_no_route, "no FIB route for the inner destination")                            \
  X(drop_tx_no_sa, "FIB route points at a tunnel with no outbound SA")                      \
  X(drop_tx_too_big, "inner packet does not fit the buffer after ESP overhead")            \
  X(drop_tx_seq_exhausted, "outbound SA ran out of sequence numbers; it needs a rekey")    \
  X(drop_tx_crypto, "the AEAD library refused to encrypt")                                 \
  X(drop_tx_send_error, "the kernel refused to send the UDP datagram")                    \
  X(drop_tx_rate_limit, "over the tunnel's rate limit (AWS: 1.25 Gbps, 140,000 packets/s)")  \
  X(drop_rx_malformed, "UDP payload too short or inconsistent to be ESP")                  \
  X(drop_rx_unknown_spi, "SPI with no inbound SA")                                         \
  X(drop_rx_replay, "sequence number already seen inside the anti-replay window")         \
  X(drop_rx_too_old, "sequence number left of the anti-replay window")                    \
  X(drop_rx_bad_icv, "integrity check failed (tampered, wrong key or corrupt)")            \
  X(drop_rx_bad_padding, "authenticated, but pad length or padding bytes are invalid")    \
  X(drop_rx_bad_inner, "authenticated, but the inner packet is not a sane IPv4/IPv6")      \
  X(drop_rx_tun_write, "the kernel refused the decrypted packet on the TUN device")        \
  X(drop_rx_rate_limit, "decrypted, but over the tunnel's rate limit")                     \
  X(drop_rx_control_full, "IKE on UDP 4500 dropped: the control plane's inbox was full")

enum class Counter : uint8_t {
#define VPNGW_COUNTER_ENUM(name, help) name,
  VPNGW_DATAPLANE_COUNTERS(VPNGW_COUNTER_ENUM)
#undef VPNGW_COUNTER_ENUM
      count_
};

inline constexpr size_t kCounterCount = size_t(Counter::count_);

struct CounterInfo {
  std::string_view name;
  std::string_view help;
};

inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo = {{
#define VPNGW_COUNTER_INFO(name, help) {#name, help},
    VPNGW_DATAPLANE_COUNTERS(VPNGW_COUNTER_INFO)
#undef VPNGW_COUNTER_INFO
}};

// One writer (the worker that owns the set), any number of readers (the control plane sampling
// stats). Relaxed load+store instead of fetch_add: no locked instruction on the packet path.
template <typename Enum, size_t N>
class BasicCounterSet {
 public:
  void add(Enum c, uint64_t n = 1) {
    auto& v = values_[size_t(c)];
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get(Enum c) const { return values_[size_t(c)].load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, N> values_{};
};

using CounterSet = BasicCounterSet<Counter, kCounterCount>;

}  // namespace vpngw
