// One BFD session in asynchronous mode (RFC 5880 section 6), I/O-free and driven like every
// protocol core here: fed parsed packets with `now` (receive), fired with `now` (update_timers:
// detection expiry, the periodic packet), asked for the next deadline, and emptied of the packets
// to send (take_outgoing) and the state transitions (take_events). Slow start as RFC 5880 6.8.3
// asks (1 s between packets until Up), then the configured rate announced through a Poll
// sequence. No authentication, no demand mode, no echo.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "proto/bfd/packet.hpp"

namespace vpngw::bfd {

struct SessionConfig {
  uint32_t desired_min_tx_us = 300'000;  // AWS Direct Connect: 300 ms x 3
  uint32_t required_min_rx_us = 300'000;
  uint8_t detect_mult = 3;
  // RFC 5880 6.1's Passive role: send nothing until the peer has been heard (AWS's end of a
  // Direct Connect VIF, where BFD takes effect once the customer's router starts it).
  bool passive = false;
};

struct Transition {
  State from, to;
  Diag diag;
};

class Session {
 public:
  static constexpr uint32_t kSlowTxUs = 1'000'000;  // while not Up (RFC 5880 6.8.3)
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  Session(SessionConfig cfg, uint32_t my_discriminator, uint64_t seed = 1);

  // A packet for this session (already parsed and matched); may change state. A Poll is answered
  // with a Final at once, and becoming Up is announced at once.
  void receive(const ControlPacket& p, int64_t now_ns);
  // Detection expiry (the session goes Down) and the periodic packet, whichever is due at `now`.
  void update_timers(int64_t now_ns);
  // When update_timers next has work: the next periodic packet or the detection deadline.
  int64_t next_deadline() const;
  // Administrative shutdown: the AdminDown packet goes out at once; the peer takes its session down.
  void admin_down(int64_t now_ns);

  std::vector<ControlPacket> take_outgoing() { return std::exchange(outgoing_, {}); }
  std::vector<Transition> take_events() { return std::exchange(events_, {}); }

  int64_t detection_deadline_ns() const { return detection_deadline_ns_; }  // 0: not running

  State state() const { return state_; }
  Diag diag() const { return diag_; }
  uint32_t my_discriminator() const { return my_discr_; }
  uint32_t remote_discriminator() const { return remote_discr_; }
  uint64_t detection_time_us() const;  // current detection time (0 until the peer was heard)
  uint64_t tx_interval_us() const;

 private:
  void set_state(State s, Diag d);
  void expire(int64_t now_ns);
  void transmit(int64_t now_ns);  // queues the packet and schedules the next one
  void send_due(int64_t now_ns);  // a Final or an announcement that cannot wait
  bool silent() const { return cfg_.passive && remote_discr_ == 0 && state_ != State::admin_down; }
  uint32_t desired_min_tx_us() const { return state_ == State::up ? cfg_.desired_min_tx_us : std::max(cfg_.desired_min_tx_us, kSlowTxUs); }

  SessionConfig cfg_;
  uint32_t my_discr_;
  uint32_t remote_discr_ = 0;
  State state_ = State::down;
  State remote_state_ = State::down;
  Diag diag_ = Diag::none;
  uint32_t remote_min_rx_us_ = 1;  // RFC 5880 6.8.1: initialised to 1 (us)
  uint32_t remote_desired_tx_us_ = 0;
  uint8_t remote_detect_mult_ = 0;
  bool polling_ = false;    // we changed our intervals and wait for the peer's Final
  bool final_due_ = false;  // the peer polled us
  int64_t next_tx_ns_ = 0;
  int64_t detection_deadline_ns_ = 0;
  std::minstd_rand rng_;
  std::vector<ControlPacket> outgoing_;
  std::vector<Transition> events_;
};

}  // namespace vpngw::bfd
