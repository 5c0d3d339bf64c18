// One BFD session in asynchronous mode (RFC 5880 section 6), I/O-free: the runner feeds it parsed
// packets and the time, asks when to transmit next and when detection expires, and gets the state
// transitions back. Slow start as RFC 5880 6.8.3 asks (1 s between packets until Up), then the
// configured rate announced through a Poll sequence. No authentication, no demand mode, no echo.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "proto/bfd/packet.hpp"

namespace vpngw::bfd {

struct SessionConfig {
  uint32_t desired_min_tx_us = 300'000;  // AWS Direct Connect: 300 ms x 3
  uint32_t required_min_rx_us = 300'000;
  uint8_t detect_mult = 3;
};

struct Transition {
  State from, to;
  Diag diag;
};

class Session {
 public:
  static constexpr uint32_t kSlowTxUs = 1'000'000;  // while not Up (RFC 5880 6.8.3)

  Session(SessionConfig cfg, uint32_t my_discriminator, uint64_t seed = 1);

  // A packet for this session (already parsed and matched); may change state.
  std::optional<Transition> receive(const ControlPacket& p, int64_t now_ns);
  // Called when detection_deadline_ns() has passed: the session goes Down.
  std::optional<Transition> expire(int64_t now_ns);
  // Administrative shutdown: the peer sees AdminDown and takes its session down.
  std::optional<Transition> admin_down();

  // The next packet to transmit and when: a Final answers a Poll at once, otherwise periodic.
  int64_t next_tx_ns() const { return final_due_ ? 0 : next_tx_ns_; }
  ControlPacket transmit(int64_t now_ns);  // builds the packet and schedules the next one
  int64_t detection_deadline_ns() const { return detection_deadline_ns_; }  // 0: not running

  State state() const { return state_; }
  Diag diag() const { return diag_; }
  uint32_t my_discriminator() const { return my_discr_; }
  uint32_t remote_discriminator() const { return remote_discr_; }
  uint64_t detection_time_us() const;  // current detection time (0 until the peer was heard)
  uint64_t tx_interval_us() const;

 private:
  std::optional<Transition> set_state(State s, Diag d);
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
};

}  // namespace vpngw::bfd
