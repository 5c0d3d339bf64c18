// BFD control packets (RFC 5880 section 4.1), the mandatory section only: vpngw does not do BFD
// authentication (a packet with the A bit is refused, RFC 5880 6.8.6). The parser takes the
// datagram's bytes and never trusts the length field.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.hpp"

namespace vpngw::bfd {

enum class State : uint8_t { admin_down = 0, down = 1, init = 2, up = 3 };
// RFC 5880 4.1 diagnostic codes (the ones vpngw sets or shows).
enum class Diag : uint8_t {
  none = 0,
  control_detection_expired = 1,
  echo_failed = 2,
  neighbor_signaled_down = 3,
  forwarding_reset = 4,
  path_down = 5,
  concatenated_path_down = 6,
  admin_down = 7,
  reverse_concatenated_path_down = 8,
};

struct ControlPacket {
  Diag diag = Diag::none;
  State state = State::down;
  bool poll = false, final = false, control_plane_independent = false, demand = false;
  uint8_t detect_mult = 3;
  uint32_t my_discriminator = 0;
  uint32_t your_discriminator = 0;
  uint32_t desired_min_tx_us = 1'000'000;
  uint32_t required_min_rx_us = 1'000'000;
  uint32_t required_min_echo_rx_us = 0;
};

inline constexpr size_t kPacketSize = 24;
inline constexpr uint16_t kControlPort = 3784;  // RFC 5881: single-hop control packets

enum class ParseError : uint8_t {
  too_short,        // fewer than 24 bytes
  bad_version,      // not version 1
  bad_length,       // length field < 24 or larger than the datagram
  zero_detect_mult,
  multipoint,       // M bit set
  zero_my_discriminator,
  authenticated,    // A bit: vpngw does not implement BFD authentication
};
std::string_view to_string(ParseError e);
std::string_view to_string(State s);
std::string_view to_string(Diag d);

Result<ControlPacket, ParseError> parse(std::span<const uint8_t> datagram);
std::array<uint8_t, kPacketSize> serialize(const ControlPacket& p);

}  // namespace vpngw::bfd
