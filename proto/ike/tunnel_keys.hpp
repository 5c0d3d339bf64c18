// The data-plane SAs of one IKE-keyed tunnel, and the make-before-break rules that replace them
// without losing a packet when the peer rekeys a Child SA:
//
//   - a new Child SA's inbound SA is installed at once (the peer may send on it as soon as it has
//     our CREATE_CHILD_SA answer);
//   - after a rekey we asked for, the peer installed both directions before it answered: the new
//     outbound SA is used at once, and the old SA is deleted by our DELETE;
//   - a rekey the peer asked for: its outbound SA is only used once the peer shows it has the new keys: the
//     first packet arriving on the new inbound SA, or the peer's DELETE of the old SA (RFC 7296
//     2.8; strongSwan's responder waits the same way). Until then we keep sending on the old one;
//   - a deleted SA's inbound side lingers for kLingerNs so packets already in flight still open.
//
// No I/O and no clock of its own: the caller passes CLOCK_MONOTONIC nanoseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "proto/ike/ike_sa.hpp"
#include "dataplane/sa.hpp"

namespace vpngw {

// The data plane's SA pair for a negotiated Child SA, or an error naming what is missing.
struct SaPair {
  std::shared_ptr<InboundSa> in;
  std::shared_ptr<OutboundSa> out;
};
Result<SaPair, std::string> make_sa_pair(const ike::ChildSaKeys& keys, uint32_t replay_window);

class TunnelKeys {
 public:
  static constexpr int64_t kLingerNs = 2'000'000'000;

  explicit TunnelKeys(uint32_t replay_window) : replay_window_(replay_window) {}

  // Installs a Child SA from IKE. `rekeys_spi_in`: our inbound SPI of the SA it replaces.
  // Returns an error (the data plane lacks the transform) or nullopt.
  std::optional<std::string> add(const ike::ChildSaKeys& keys, std::optional<uint32_t> rekeys_spi_in);
  // The peer deleted the Child SA with this inbound SPI.
  void remove(uint32_t spi_in, int64_t now_ns);
  // The IKE SA is gone: every Child SA goes with it (inbound sides linger).
  void clear(int64_t now_ns);
  // Moves outbound traffic to a rekeyed SA once the peer uses it; forgets lingering SAs. True when
  // the data plane's table must be rebuilt.
  bool poll(int64_t now_ns);

  const std::shared_ptr<OutboundSa>& outbound() const { return outbound_; }
  std::shared_ptr<InboundSa> current_inbound() const;
  // Every inbound SA the data plane must still accept.
  void collect_inbound(std::vector<std::shared_ptr<InboundSa>>& out) const;
  size_t live_children() const;
  bool rekey_pending() const { return pending_.has_value(); }

 private:
  struct Child {
    uint32_t spi_in, spi_out;
    std::shared_ptr<InboundSa> in;
    std::shared_ptr<OutboundSa> out;
    int64_t linger_until_ns = 0;  // 0 while the SA is live
  };
  Child* find(uint32_t spi_in);
  void use_for_outbound(const Child& c);

  uint32_t replay_window_;
  std::vector<Child> children_;
  std::shared_ptr<OutboundSa> outbound_;
  uint32_t outbound_spi_in_ = 0;  // the Child SA whose outbound side is in use
  struct Pending {
    uint32_t new_spi_in, old_spi_in;
  };
  std::optional<Pending> pending_;
};

}  // namespace vpngw
