// The BGP finite state machine for one TCP connection (RFC 4271 section 8), with no I/O: it is fed
// bytes and timer expiries and answers through a SessionHandler (send these bytes, arm that timer,
// the session is up, here is an UPDATE, the session is down). Tests drive it with byte buffers; the
// speaker (speaker.hpp) connects it to Boost.Asio sockets and timers.
//
// The states before a connection exists (Idle, Connect, Active) and connection collisions belong to
// the peer that owns the connections (speaker.cpp); a Session starts when TCP is up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
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

enum class Timer { hold, keepalive };

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void send(std::vector<uint8_t> bytes) = 0;
  // Close the TCP connection once queued bytes are written (a NOTIFICATION usually precedes it).
  virtual void close() = 0;
  virtual void arm(Timer t, std::chrono::seconds after) = 0;
  virtual void cancel(Timer t) = 0;
  // The peer's OPEN arrived: the owner may resolve a collision (RFC 4271 6.8). Returning false means
  // the owner dropped this connection (it has already called Session::shutdown()).
  virtual bool open_received(const Open&) { return true; }
  virtual void established(const Negotiated&) = 0;
  virtual void update_received(Update&& u) = 0;
  virtual void refresh_requested(Family) {}
  // The session ended: NOTIFICATION sent or received, TCP lost, or shut down. Called once.
  virtual void down(const std::string& reason) = 0;
};

class Session {
 public:
  Session(const SessionConfig& cfg, SessionHandler& handler) : cfg_(cfg), h_(handler) {}

  // TCP is up (either direction): send OPEN, wait in OpenSent.
  void connected();
  void receive(std::span<const uint8_t> bytes);
  void timer_expired(Timer t);
  // Sends a NOTIFICATION (if a session exists on the wire) and ends the session.
  void shutdown(ErrorCode code, uint8_t subcode, const std::string& reason, std::vector<uint8_t> data = {});
  // TCP failed or the peer closed it.
  void connection_lost(const std::string& why);
  // UPDATE, ROUTE-REFRESH and the like once Established; restarts the keepalive timer.
  void send_established(std::vector<uint8_t> bytes);

  State state() const { return state_; }
  const Negotiated& negotiated() const { return neg_; }
  CodecContext codec() const { return CodecContext{neg_.as4, cfg_.remote_as != cfg_.local_as}; }
  // The NOTIFICATION that ended the session, for status output ("sent: ..." / "received: ...").
  const std::string& last_error() const { return last_error_; }

 private:
  void handle(Message&& m);
  void on_open(const Open& o);
  void fail(const BgpError& e);
  void finish(const std::string& reason);
  void restart_hold();

  SessionConfig cfg_;
  SessionHandler& h_;
  State state_ = State::idle;
  Negotiated neg_;
  std::vector<uint8_t> buffer_;
  std::string last_error_;
};

}  // namespace vpngw::bgp
