// OpenVPN's packet framing (the protocol has no RFC; the layout is the one in OpenVPN's ssl_pkt.h
// and reliable.c, which Debian's openvpn 2.6 speaks):
//
//   byte 0: opcode << 3 | key_id
//   control (P_CONTROL_*, P_ACK_V1), without tls-auth/tls-crypt (AWS's profile uses neither):
//     u64 sender's session id | u8 n acks | n x u32 acked packet ids |
//     u64 receiver's session id (only when n > 0) | u32 message packet id (not in P_ACK_V1) |
//     payload (TLS records, in packet-id order)
//   data P_DATA_V2: u24 peer id | u32 packet id | 16-byte AEAD tag | ciphertext
//
// Over TCP each packet is preceded by a 16-bit length. The parser takes the datagram's bytes and
// returns a view into them or a typed error; it never trusts a count field.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vpngw::ovpn {

enum class Opcode : uint8_t {
  control_hard_reset_client_v1 = 1,
  control_hard_reset_server_v1 = 2,
  control_soft_reset_v1 = 3,
  control_v1 = 4,
  ack_v1 = 5,
  data_v1 = 6,
  control_hard_reset_client_v2 = 7,
  control_hard_reset_server_v2 = 8,
  data_v2 = 9,
  control_hard_reset_client_v3 = 10,
  control_wkc_v1 = 11,
};
std::string_view opcode_name(uint8_t opcode);

inline uint8_t opcode_of(uint8_t first_byte) { return first_byte >> 3; }
inline uint8_t key_id_of(uint8_t first_byte) { return first_byte & 7; }
inline uint8_t first_byte(Opcode op, uint8_t key_id) { return uint8_t(uint8_t(op) << 3 | (key_id & 7)); }
bool is_control(uint8_t opcode);  // the opcodes the reliability layer carries, plus P_ACK_V1

using SessionId = uint64_t;

// OpenVPN sends at most 8 acks in a P_ACK_V1 and 4 in other control packets; we accept up to 8
// anywhere and never send more than those limits.
inline constexpr size_t kMaxAcks = 8;
inline constexpr size_t kMaxAcksInControl = 4;

struct ControlPacket {
  Opcode opcode = Opcode::control_v1;
  uint8_t key_id = 0;
  SessionId session_id = 0;              // the sender's
  std::vector<uint32_t> acks;            // packet ids the sender acknowledges
  SessionId remote_session_id = 0;       // the receiver's; meaningful when acks is not empty
  std::optional<uint32_t> packet_id;     // absent in P_ACK_V1
  std::span<const uint8_t> payload;      // a view into the parsed bytes
};

enum class WireError : uint8_t {
  empty,
  unknown_opcode,
  not_control,
  truncated_session_id,
  truncated_acks,
  too_many_acks,
  truncated_remote_session_id,
  truncated_packet_id,
  ack_without_acks,  // a P_ACK_V1 that acknowledges nothing
  truncated_data_header,
};
std::string_view wire_error_name(WireError e);

Result<ControlPacket, WireError> parse_control(std::span<const uint8_t> datagram);
// Appends the packet's bytes to out.
void serialize_control(const ControlPacket& p, std::vector<uint8_t>& out);

struct DataHeader {
  uint8_t key_id = 0;
  uint32_t peer_id = 0;
};
inline constexpr size_t kDataV2HeaderLen = 4;   // op + peer id: the first half of the AEAD's AD
inline constexpr uint32_t kNoPeerId = 0xffffff;  // "unset" on the wire
Result<DataHeader, WireError> parse_data_v2_header(std::span<const uint8_t> datagram);

}  // namespace vpngw::ovpn
