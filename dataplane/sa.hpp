// Security associations as the data plane holds them, and the immutable table that maps SPIs and
// tunnels to them. SAs are shared between successive table snapshots so that their mutable
// per-packet state (sequence counter, replay window, counters) survives a republish.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dataplane/aead.hpp"
#include "dataplane/cbc_hmac.hpp"
#include "dataplane/fib.hpp"
#include "dataplane/replay_window.hpp"
#include "dataplane/token_bucket.hpp"

namespace vpngw {

struct SaCounters {
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> auth_failures{0};
  std::atomic<uint64_t> replay_drops{0};
  std::atomic<int64_t> last_packet_ns{0};  // CLOCK_MONOTONIC; liveness for the control plane

  // Single writer per SA direction: relaxed load+store, no locked instruction.
  static void bump(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// A tunnel's rate limit (AWS: 1.25 Gbps and 140,000 packets/s per tunnel): a packet passes when
// both buckets admit it; each allows 10 ms of its rate at once. The excess is dropped, as AWS drops.
struct RateLimit {
  double bytes_per_second = 0;
  double packets_per_second = 0;
};

class RatePolicer {
 public:
  explicit RatePolicer(const RateLimit& l)
      : bytes_(l.bytes_per_second, std::max(l.bytes_per_second / 100, 65536.0)),
        packets_(l.packets_per_second, std::max(l.packets_per_second / 100, 64.0)) {}
  bool admit(size_t len, int64_t now_ns) { return packets_.admit(1, now_ns) && bytes_.admit(double(len), now_ns); }

 private:
  TokenBucket bytes_, packets_;
};

// Keys of an AES-CBC + HMAC SA (the AEAD ones come as one KEYMAT: key then salt).
struct CbcHmacKeys {
  std::span<const uint8_t> aes_key;
  Integrity integrity;
  std::span<const uint8_t> integrity_key;
};

// Exactly one of `aead` and `cbc` is set: the transform decides the packet layout (esp.hpp).
struct OutboundSa {
  OutboundSa(uint32_t spi_, Cipher cipher, std::span<const uint8_t> keymat, bool esn_) : spi(spi_), esn(esn_) {
    aead.emplace(cipher, keymat, AeadDirection::seal);
  }
  OutboundSa(uint32_t spi_, const CbcHmacKeys& k, bool esn_)
      : spi(spi_), esn(esn_), cbc(std::make_unique<CbcHmacContext>(k.aes_key, k.integrity, k.integrity_key, true)) {}

  const uint32_t spi;
  const bool esn;
  std::optional<AeadContext> aead;  // owned by the single TX worker
  std::unique_ptr<CbcHmacContext> cbc;
  std::atomic<uint64_t> last_seq{0};  // the first packet carries 1 (RFC 4303 3.3.3)
  SaCounters counters;
  // The tunnel's limit: set by the control plane before the SA is first published, then used by
  // the single TX worker alone. Null: unlimited.
  std::unique_ptr<RatePolicer> policer;
};

struct InboundSa {
  InboundSa(uint32_t spi_, Cipher cipher, std::span<const uint8_t> keymat, bool esn_, uint32_t window_size)
      : spi(spi_), esn(esn_), window(window_size) {
    aead.emplace(cipher, keymat, AeadDirection::open);
  }
  InboundSa(uint32_t spi_, const CbcHmacKeys& k, bool esn_, uint32_t window_size)
      : spi(spi_),
        esn(esn_),
        cbc(std::make_unique<CbcHmacContext>(k.aes_key, k.integrity, k.integrity_key, false)),
        window(window_size) {}

  const uint32_t spi;
  const bool esn;
  std::optional<AeadContext> aead;  // owned by the single RX worker
  std::unique_ptr<CbcHmacContext> cbc;
  ReplayWindow window;  // owned by the single RX worker
  SaCounters counters;
  std::unique_ptr<RatePolicer> policer;  // as OutboundSa's, for the single RX worker
};

struct TunnelEntry {
  std::string name;
  std::shared_ptr<OutboundSa> outbound;  // null while the tunnel has no keys
  std::shared_ptr<InboundSa> inbound;    // the current inbound SA (stats); all live ones are in the table
  sockaddr_storage peer{};               // outside address of the far end, UDP 4500 usually
  socklen_t peer_len = 0;
};

class SaTable {
 public:
  SaTable() = default;
  SaTable(std::vector<TunnelEntry> tunnels, std::vector<std::shared_ptr<InboundSa>> inbound);

  const TunnelEntry* tunnel(TunnelId id) const { return id < tunnels_.size() ? &tunnels_[id] : nullptr; }
  const std::vector<TunnelEntry>& tunnels() const { return tunnels_; }
  InboundSa* find_inbound(uint32_t spi) const;
  const std::vector<std::shared_ptr<InboundSa>>& inbound() const { return inbound_; }

 private:
  std::vector<TunnelEntry> tunnels_;
  std::vector<std::shared_ptr<InboundSa>> inbound_;  // sorted by SPI
};

}  // namespace vpngw
