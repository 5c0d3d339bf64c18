// Security associations as the data plane holds them, and the immutable table that maps SPIs and
// tunnels to them. SAs are shared between successive table snapshots so that their mutable
// per-packet state (sequence counter, replay window, counters) survives a republish.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

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
