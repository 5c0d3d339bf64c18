// One IKE-keyed tunnel, I/O-free: the AWS side of a VPN tunnel with its whole lifecycle. It owns
// the tunnel's IKE SAs (one established at a time; a new one replaces the old, as after a customer
// gateway restart), the Child SAs' data-plane keys (TunnelKeys, make-before-break rekeys), and
// every timer around them:
//   - retransmission of our requests at 1, 2, 4, 8, 16, 32, 32 ... s (RFC 7296 2.1);
//   - half-open expiry: an IKE SA not established 30 s after it began is dropped (a responder's
//     quietly; an initiator's with a new attempt 5 s later);
//   - dead-peer detection as AWS does it: a liveness check after `dpd_idle_seconds` (10) without
//     traffic, dead after DPDTimeoutSeconds without an answer, then DPDTimeoutAction;
//   - rekeys: a Child SA at Phase2Lifetime - RekeyMarginTime - up to RekeyFuzzPercentage % of
//     the margin (random), the IKE SA likewise with Phase1Lifetime;
//   - NAT-T keepalives after 20 s of outbound silence (we claim to be behind NAT);
//   - initiations due (startup action start, DPD action restart, a peer's DELETE).
//
// Driven like boringtun's Tunn: feed a datagram with `now` (receive), fire timers with `now`
// (update_timers), take what to send (take_outgoing) and whether the data plane's SA table must be
// rebuilt (take_keys_changed), ask when to call again (next_deadline). `now` is CLOCK_MONOTONIC
// nanoseconds (common/clock.hpp), the clock the data plane stamps packets with. The Asio shell
// (endpoint.hpp) only moves bytes and arms the deadline; unit tests drive it with a fake clock.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "proto/ike/cookie.hpp"
#include "proto/ike/ike_sa.hpp"
#include "proto/ike/tunnel_keys.hpp"
#include "proto/ike/tunnel_options.hpp"
#include "dataplane/replay_window.hpp"

namespace vpngw::ike {

struct TunnelSpec {
  std::string name;
  IpAddress peer;             // the customer gateway's outside address
  uint16_t peer_port = kNattPort;  // where ESP goes until IKE tells us better (NAT-T)
  uint32_t replay_window = ReplayWindow::kDefaultSize;
  TunnelOptions options;
};

// Our side of every tunnel of one endpoint.
struct LocalEnd {
  IpAddress address;  // our outside address (IPv4)
  uint16_t ike_port = kIkePort;
  uint16_t natt_port = kNattPort;
  uint32_t dpd_idle_seconds = 10;  // AWS: a liveness check after 10 s without traffic
};

// Where an IKE message came from, or where ours goes.
struct Source {
  sockaddr_in addr{};
  bool natt = false;  // on 4500 behind the non-ESP marker (RFC 3948)
};

struct Outgoing {
  Source to;
  std::vector<uint8_t> bytes;      // an IKE message (the shell adds the non-ESP marker on 4500)
  bool nat_keepalive = false;      // instead: one 0xff byte to the ESP peer, no marker
};

// What the tunnels of one endpoint share: the cookie secret and the drop counters.
struct EndpointShared {
  CookieJar cookies;
  uint64_t dropped_malformed = 0, dropped_half_open = 0, cookies_sent = 0;
};

class Tunnel {
 public:
  static constexpr size_t kMaxHalfOpen = 8;      // answered IKE_SA_INITs waiting for IKE_AUTH
  static constexpr size_t kCookieThreshold = 4;  // from this many half-open SAs on, demand a cookie
  static constexpr int64_t kHalfOpenTimeoutNs = 30'000'000'000;
  static constexpr int64_t kRetryInitiationNs = 5'000'000'000;
  static constexpr int64_t kReinitiateAfterCloseNs = 500'000'000;
  static constexpr int64_t kNatKeepaliveNs = 20'000'000'000;  // RFC 3948 4: 20 s is the usual interval
  static constexpr int64_t kMaxBackoffNs = 32'000'000'000;
  // Checks that read the data plane's counters (DPD's idle test, NAT keepalives, make-before-break
  // switches) are not deadlines of the tunnel's own: call update_timers at least this often.
  static constexpr int64_t kPollNs = 500'000'000;

  Tunnel(TunnelSpec spec, const LocalEnd& local, EndpointShared& shared, uint64_t seed);
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  const TunnelSpec& spec() const { return spec_; }
  bool is_peer(const sockaddr_in& from) const;

  // Startup action "start": our first IKE_SA_INIT; "add": wait for the peer.
  void start(int64_t now);
  // An IKE message from this tunnel's peer.
  void receive(std::span<const uint8_t> bytes, const Source& from, int64_t now);
  void update_timers(int64_t now);
  // When update_timers next has work: the earliest timer of the tunnel's own, and never later
  // than now + kPollNs.
  int64_t next_deadline(int64_t now) const;
  // The tunnel endpoint is replaced (AWS maintenance): its IKE SAs are deleted (the peer told), its
  // SAs leave the data plane, and it waits for the peer (or initiates with startup action start).
  void restart(int64_t now);
  // Best-effort DELETE of every IKE SA, e.g. at shutdown.
  void stop();

  std::vector<Outgoing> take_outgoing();
  bool take_keys_changed();

  const TunnelKeys& keys() const { return keys_; }
  // Where this tunnel's ESP goes: the peer's NAT-T address once IKE has run over 4500.
  void esp_peer(sockaddr_storage& out, socklen_t& len) const;
  // `vpngw ctl ike`: TunnelIKEPhase1State / Phase2State, SPIs, counters, recent log.
  nlohmann::json summary() const;
  // Wireshark's ESP SA lines for the last Child SAs.
  std::vector<std::string> wireshark_esp_sa() const;
  uint64_t dpd_timeouts() const { return dpd_timeouts_; }

 private:
  struct SaEntry {
    std::unique_ptr<IkeSa> sa;
    int64_t created_ns = 0;
    int64_t last_heard_ns = 0;  // the last authenticated message from the peer
    Source source;              // where the peer's messages come from, and ours go
    // Our outstanding request, for retransmission with back-off and dead-peer detection.
    std::vector<uint8_t> tracked;
    int64_t request_first_ns = 0, request_last_ns = 0;
    unsigned request_sends = 0;
    bool dpd_reported = false;
    int64_t ike_rekey_at = 0;  // when we rekey this IKE SA; 0: not scheduled
  };

  void note(const std::string& line);
  void send(const Source& to, std::vector<uint8_t> bytes);
  IkeSa::Endpoints endpoints(const Source& s) const;
  void send_request(SaEntry& e, const std::vector<uint8_t>& bytes, int64_t now);
  bool cookie_ok(std::span<const uint8_t> bytes, const Header& h, const Source& src);
  uint64_t random_nonzero();
  int64_t rekey_deadline(uint32_t lifetime_seconds, uint32_t lab_seconds, int64_t now);
  void apply(SaEntry& e, IkeSa::Outcome& out, int64_t now);
  bool has_other_established(const SaEntry& e) const;
  void retire_others(const SaEntry& keep, int64_t now);
  void erase(const SaEntry& e);
  void schedule_initiation(int64_t now);
  void initiate(int64_t now);
  bool has_live_sa() const;
  void initiator_timeouts(int64_t now);
  int64_t retransmit_at(const SaEntry& e) const;
  void retransmit_if_due(SaEntry& e, int64_t now);
  void nat_keepalive(int64_t now);
  void rekey_due(int64_t now);
  SaEntry* established();
  const SaEntry* established() const;
  int64_t last_esp_ns() const;
  bool dead_peer_detection(int64_t now);

  TunnelSpec spec_;
  const LocalEnd& local_;
  EndpointShared& shared_;
  IkeConfig ike_cfg_;
  TunnelKeys keys_;
  std::mt19937_64 rng_;
  std::list<SaEntry> sas_;  // a list: entries are erased while others are referenced
  sockaddr_storage esp_peer_{};
  socklen_t esp_peer_len_ = 0;
  std::deque<std::string> log_;
  uint64_t established_count_ = 0, dpd_timeouts_ = 0, rekeys_ = 0;
  std::string esp_transform_;  // of the newest Child SA, e.g. "AES128-CBC/HMAC-SHA1-96"
  std::map<uint32_t, int64_t> rekey_at_;  // our inbound SPI -> when we rekey that Child SA
  int64_t initiate_at_ = 0;  // when to start an IKE SA ourselves; 0: wait for the peer
  // NAT-T keepalives: we claim to be behind NAT, so we keep the (claimed) mapping open.
  const OutboundSa* quiet_sa_ = nullptr;
  uint64_t quiet_packets_ = 0;
  int64_t quiet_since_ns_ = 0;
  uint64_t keepalives_sent_ = 0;
  std::deque<ChildSaKeys> recent_children_;  // for `ctl ike esp-sa` (lab captures); at most 8
  std::vector<Outgoing> outgoing_;
  bool keys_changed_ = false;
};

}  // namespace vpngw::ike
