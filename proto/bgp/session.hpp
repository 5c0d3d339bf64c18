// The BGP finite state machine for one TCP connection (RFC 4271 section 8), with no I/O and its
// timers inside, driven like every protocol core here: fed bytes with `now` (receive), fired with
// `now` (update_timers), asked when it next needs that (next_deadline: the hold timer, the
// jittered keepalive), and emptied of what to send (take_outgoing) and what happened (take_events:
// up, an UPDATE, a ROUTE-REFRESH, down). `now` is CLOCK_MONOTONIC nanoseconds. Tests drive it
// with byte buffers and a fake clock; the speaker (speaker.hpp) connects it to a Boost.Asio socket
// and one timer armed at the deadline.
//
// One decision it cannot make alone is asked for while it runs: whether a peer's OPEN may proceed
// when another connection to the same peer exists (RFC 4271 6.8), which only the owner of both
// connections knows (OpenCheck).
//
// The states before a connection exists (Idle, Connect, Active) and connection collisions belong to
// the peer that owns the connections (speaker.cpp); a Session starts when TCP is up.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "proto/bgp/message.hpp"

namespace vpngw::bgp {

enum class State { idle, connect, active, open_sent, open_confirm, established };
const char* state_name(State s);

struct SessionConfig {
  uint32_t local_as = 64512;
  uint32_t remote_as = 65000;
  uint32_t router_id = 0;  // host order
  uint16_t hold_time = 30;  // AWS's default; 0 turns keepalives and the hold timer off
  uint16_t keepalive = 10;  // capped at a third of the negotiated hold time
  std::vector<Family> families{Family{Afi::ipv4, Safi::unicast}, Family{Afi::ipv6, Safi::unicast}};
  uint64_t jitter_seed = 1;  // keepalive jitter (RFC 4271 10), so that peers do not synchronise
  // This end's address on the connection: a route with it as NEXT_HOP is treated as withdrawn
  // (RFC 4271 5.1.3, it would loop). Unknown: no check.
  std::optional<IpAddress> local_address;
};

// What both ends agreed in their OPENs.
struct Negotiated {
  uint32_t remote_as = 0;
  uint32_t remote_id = 0;
  uint16_t hold_time = 0;
  uint16_t keepalive = 0;
  bool as4 = false;
  bool route_refresh = false;
  std::vector<Family> families;
};

// What happened, in order (take_events).
struct SessionUp {
  Negotiated negotiated;
};
struct UpdateReceived {
  Update update;
};
struct RefreshRequested {
  Family family;
};
// The session ended (NOTIFICATION sent or received, TCP lost, shut down), once per session: close
// the connection after writing what take_outgoing gave (a NOTIFICATION usually).
struct SessionDown {
  std::string reason;
};
using SessionEvent = std::variant<SessionUp, UpdateReceived, RefreshRequested, SessionDown>;

// The peer's OPEN passed the FSM's checks: may the session go on? False means the owner shut this
// session down itself (collision resolution, RFC 4271 6.8). Empty: always.
using OpenCheck = std::function<bool(const Open&)>;

class Session {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  // RFC 4271 8: the hold timer in OpenSent is "a large value"; 4 minutes is suggested.
  static constexpr int64_t kOpenSentHoldNs = 240'000'000'000;

  explicit Session(const SessionConfig& cfg, OpenCheck check = {})
      : cfg_(cfg), check_(std::move(check)), jitter_(cfg.jitter_seed) {}

  // TCP is up (either direction): send OPEN, wait in OpenSent.
  void connected(int64_t now);
  void receive(std::span<const uint8_t> bytes, int64_t now);
  // Hold timer expiry (NOTIFICATION 4/0, session down) and keepalives that are due at `now`.
  void update_timers(int64_t now);
  // When update_timers next has work; kNever when no timer runs (Idle, or hold time 0).
  int64_t next_deadline() const { return std::min(hold_at_, keepalive_at_); }
  // Sends a NOTIFICATION (if a session exists on the wire) and ends the session.
  void shutdown(ErrorCode code, uint8_t subcode, const std::string& reason, std::vector<uint8_t> data = {});
  // TCP failed or the peer closed it.
  void connection_lost(const std::string& why);
  // UPDATE, ROUTE-REFRESH and the like once Established; restarts the keepalive timer.
  void send_established(std::vector<uint8_t> bytes, int64_t now);

  // The messages to write, in order, one buffer each; and what happened since the last call.
  std::vector<std::vector<uint8_t>> take_outgoing() { return std::exchange(outgoing_, {}); }
  std::vector<SessionEvent> take_events() { return std::exchange(events_, {}); }

  State state() const { return state_; }
  const Negotiated& negotiated() const { return neg_; }
  CodecContext codec() const { return CodecContext{neg_.as4, cfg_.remote_as != cfg_.local_as}; }
  // What ended the session, for status output: the NOTIFICATION ("sent: ..." / "received: ...")
  // or the lost connection ("connection lost: ...").
  const std::string& last_error() const { return last_error_; }

 private:
  void handle(Message&& m, int64_t now);
  void on_open(const Open& o, int64_t now);
  void refuse_own_next_hop(Update& u) const;
  void fail(const BgpError& e);
  void finish(const std::string& reason);
  void restart_hold(int64_t now);
  void restart_keepalive(int64_t now);

  SessionConfig cfg_;
  OpenCheck check_;
  std::vector<std::vector<uint8_t>> outgoing_;
  std::vector<SessionEvent> events_;
  State state_ = State::idle;
  Negotiated neg_;
  std::vector<uint8_t> buffer_;
  std::string last_error_;
  int64_t hold_at_ = kNever, keepalive_at_ = kNever;
  std::minstd_rand jitter_;
};

}  // namespace vpngw::bgp
