#include "proto/bfd/packet.hpp"

#include "common/bytes.hpp"

namespace vpngw::bfd {
namespace {

constexpr uint8_t kPoll = 0x20, kFinal = 0x10, kCpi = 0x08, kAuth = 0x04, kDemand = 0x02, kMultipoint = 0x01;

}  // namespace

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::too_short: return "shorter than 24 bytes";
    case ParseError::bad_version: return "not BFD version 1";
    case ParseError::bad_length: return "length field below 24 or beyond the datagram";
    case ParseError::zero_detect_mult: return "detect multiplier 0";
    case ParseError::multipoint: return "multipoint bit set";
    case ParseError::zero_my_discriminator: return "my discriminator 0";
    case ParseError::authenticated: return "authentication present (not supported)";
  }
  return "?";
}

std::string_view to_string(State s) {
  switch (s) {
    case State::admin_down: return "AdminDown";
    case State::down: return "Down";
    case State::init: return "Init";
    case State::up: return "Up";
  }
  return "?";
}

std::string_view to_string(Diag d) {
  switch (d) {
    case Diag::none: return "no diagnostic";
    case Diag::control_detection_expired: return "control detection time expired";
    case Diag::echo_failed: return "echo function failed";
    case Diag::neighbor_signaled_down: return "neighbor signaled session down";
    case Diag::forwarding_reset: return "forwarding plane reset";
    case Diag::path_down: return "path down";
    case Diag::concatenated_path_down: return "concatenated path down";
    case Diag::admin_down: return "administratively down";
    case Diag::reverse_concatenated_path_down: return "reverse concatenated path down";
  }
  return "reserved diagnostic";
}

Result<ControlPacket, ParseError> parse(std::span<const uint8_t> d) {
  if (d.size() < kPacketSize) return Unexpected(ParseError::too_short);
  if (d[0] >> 5 != 1) return Unexpected(ParseError::bad_version);
  const uint8_t length = d[3];
  if (length < kPacketSize || length > d.size()) return Unexpected(ParseError::bad_length);
  const uint8_t flags = d[1] & 0x3f;
  if (flags & kAuth) return Unexpected(ParseError::authenticated);
  if (flags & kMultipoint) return Unexpected(ParseError::multipoint);
  ControlPacket p;
  p.detect_mult = d[2];
  if (p.detect_mult == 0) return Unexpected(ParseError::zero_detect_mult);
  p.diag = Diag(d[0] & 0x1f);
  p.state = State(d[1] >> 6);
  p.poll = flags & kPoll;
  p.final = flags & kFinal;
  p.control_plane_independent = flags & kCpi;
  p.demand = flags & kDemand;
  p.my_discriminator = load_be32(&d[4]);
  if (p.my_discriminator == 0) return Unexpected(ParseError::zero_my_discriminator);
  p.your_discriminator = load_be32(&d[8]);
  p.desired_min_tx_us = load_be32(&d[12]);
  p.required_min_rx_us = load_be32(&d[16]);
  p.required_min_echo_rx_us = load_be32(&d[20]);
  return p;
}

std::array<uint8_t, kPacketSize> serialize(const ControlPacket& p) {
  std::array<uint8_t, kPacketSize> b{};
  b[0] = uint8_t(1 << 5 | (uint8_t(p.diag) & 0x1f));
  b[1] = uint8_t(uint8_t(p.state) << 6 | (p.poll ? kPoll : 0) | (p.final ? kFinal : 0) |
                 (p.control_plane_independent ? kCpi : 0) | (p.demand ? kDemand : 0));
  b[2] = p.detect_mult;
  b[3] = uint8_t(kPacketSize);
  store_be32(&b[4], p.my_discriminator);
  store_be32(&b[8], p.your_discriminator);
  store_be32(&b[12], p.desired_min_tx_us);
  store_be32(&b[16], p.required_min_rx_us);
  store_be32(&b[20], p.required_min_echo_rx_us);
  return b;
}

}  // namespace vpngw::bfd
