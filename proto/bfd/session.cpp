#include "proto/bfd/session.hpp"

#include <algorithm>

namespace vpngw::bfd {

Session::Session(SessionConfig cfg, uint32_t my_discriminator, uint64_t seed)
    : cfg_(cfg), my_discr_(my_discriminator), rng_(uint32_t(seed ? seed : 1)) {}

uint64_t Session::detection_time_us() const {
  if (remote_detect_mult_ == 0) return 0;
  return uint64_t(remote_detect_mult_) * std::max(cfg_.required_min_rx_us, remote_desired_tx_us_);
}

uint64_t Session::tx_interval_us() const { return std::max(desired_min_tx_us(), remote_min_rx_us_); }

void Session::set_state(State s, Diag d) {
  if (s == state_) return;
  events_.push_back(Transition{state_, s, d});
  const bool rate_changes = (state_ == State::up) != (s == State::up);
  state_ = s;
  diag_ = d;
  // Our DesiredMinTx differs between Up and the other states: tell the peer through a Poll.
  if (rate_changes && s != State::admin_down) polling_ = true;
  if (s == State::up) next_tx_ns_ = 0;  // announce Up (and the faster rate) at once
}

void Session::receive(const ControlPacket& p, int64_t now_ns) {
  // RFC 5880 6.8.6, after the checks parse() made and the session lookup.
  if (p.your_discriminator == 0 && p.state != State::down && p.state != State::admin_down) return;
  if (p.your_discriminator != 0 && p.your_discriminator != my_discr_) return;
  remote_discr_ = p.my_discriminator;
  remote_state_ = p.state;
  remote_min_rx_us_ = p.required_min_rx_us;
  remote_desired_tx_us_ = p.desired_min_tx_us;
  remote_detect_mult_ = p.detect_mult;
  if (p.final) polling_ = false;
  if (p.poll) final_due_ = true;
  if (state_ == State::admin_down) {
    send_due(now_ns);  // a Poll still gets its Final
    return;
  }
  detection_deadline_ns_ = now_ns + int64_t(detection_time_us()) * 1000;

  if (p.state == State::admin_down) {
    if (state_ != State::down) set_state(State::down, Diag::neighbor_signaled_down);
  } else if (state_ == State::down) {
    if (p.state == State::down) set_state(State::init, Diag::none);
    else if (p.state == State::init) set_state(State::up, Diag::none);
  } else if (state_ == State::init) {
    if (p.state == State::init || p.state == State::up) set_state(State::up, Diag::none);
  } else if (state_ == State::up && p.state == State::down) {
    set_state(State::down, Diag::neighbor_signaled_down);
  }
  send_due(now_ns);
}

void Session::update_timers(int64_t now_ns) {
  expire(now_ns);
  if (silent()) return;
  if (now_ns >= next_tx_ns_ || final_due_) transmit(now_ns);
}

int64_t Session::next_deadline() const {
  if (final_due_) return 0;
  return std::min(silent() ? kNever : next_tx_ns_, detection_deadline_ns_ == 0 ? kNever : detection_deadline_ns_);
}

void Session::send_due(int64_t now_ns) {
  if (silent()) return;
  if (final_due_ || next_tx_ns_ == 0) transmit(now_ns);
}

void Session::expire(int64_t now_ns) {
  if (detection_deadline_ns_ == 0 || now_ns < detection_deadline_ns_) return;
  detection_deadline_ns_ = 0;
  remote_discr_ = 0;  // RFC 5880 6.8.1: reset when the session goes Down by detection
  remote_min_rx_us_ = 1;
  remote_detect_mult_ = 0;
  if (state_ == State::init || state_ == State::up) set_state(State::down, Diag::control_detection_expired);
}

void Session::admin_down(int64_t now_ns) {
  set_state(State::admin_down, Diag::admin_down);
  detection_deadline_ns_ = 0;
  transmit(now_ns);
}

void Session::transmit(int64_t now_ns) {
  ControlPacket p;
  p.diag = diag_;
  p.state = state_;
  p.final = final_due_;
  p.poll = polling_ && !final_due_;  // never both in one packet (RFC 5880 6.8.7)
  final_due_ = false;
  p.detect_mult = cfg_.detect_mult;
  p.my_discriminator = my_discr_;
  p.your_discriminator = remote_discr_;
  p.desired_min_tx_us = desired_min_tx_us();
  p.required_min_rx_us = cfg_.required_min_rx_us;
  // Periodic packets every tx interval less 0-25 % jitter (at most 90 % with a multiplier of 1).
  const double hi = cfg_.detect_mult == 1 ? 0.90 : 1.0;
  std::uniform_real_distribution<double> jitter(0.75, hi);
  next_tx_ns_ = now_ns + int64_t(double(tx_interval_us()) * 1000.0 * jitter(rng_));
  outgoing_.push_back(p);
}

}  // namespace vpngw::bfd
