#include "dataplane/openvpn_wire.hpp"

#include "common/bytes.hpp"

namespace vpngw::ovpn {

std::string_view opcode_name(uint8_t opcode) {
  switch (opcode) {
    case 1: return "P_CONTROL_HARD_RESET_CLIENT_V1";
    case 2: return "P_CONTROL_HARD_RESET_SERVER_V1";
    case 3: return "P_CONTROL_SOFT_RESET_V1";
    case 4: return "P_CONTROL_V1";
    case 5: return "P_ACK_V1";
    case 6: return "P_DATA_V1";
    case 7: return "P_CONTROL_HARD_RESET_CLIENT_V2";
    case 8: return "P_CONTROL_HARD_RESET_SERVER_V2";
    case 9: return "P_DATA_V2";
    case 10: return "P_CONTROL_HARD_RESET_CLIENT_V3";
    case 11: return "P_CONTROL_WKC_V1";
    default: return "unknown";
  }
}

bool is_control(uint8_t opcode) {
  switch (Opcode(opcode)) {
    case Opcode::control_hard_reset_client_v1:
    case Opcode::control_hard_reset_server_v1:
    case Opcode::control_soft_reset_v1:
    case Opcode::control_v1:
    case Opcode::ack_v1:
    case Opcode::control_hard_reset_client_v2:
    case Opcode::control_hard_reset_server_v2:
    case Opcode::control_hard_reset_client_v3:
    case Opcode::control_wkc_v1:
      return true;
    default:
      return false;
  }
}

std::string_view wire_error_name(WireError e) {
  switch (e) {
    case WireError::empty: return "empty datagram";
    case WireError::unknown_opcode: return "unknown opcode";
    case WireError::not_control: return "not a control packet";
    case WireError::truncated_session_id: return "truncated session id";
    case WireError::truncated_acks: return "ack array longer than the packet";
    case WireError::too_many_acks: return "more than 8 acks";
    case WireError::truncated_remote_session_id: return "truncated remote session id";
    case WireError::truncated_packet_id: return "truncated message packet id";
    case WireError::ack_without_acks: return "P_ACK_V1 with no acks";
    case WireError::truncated_data_header: return "data packet shorter than its header";
  }
  return "?";
}

Result<ControlPacket, WireError> parse_control(std::span<const uint8_t> d) {
  if (d.empty()) return Unexpected(WireError::empty);
  const uint8_t op = opcode_of(d[0]);
  if (op == 0 || op > uint8_t(Opcode::control_wkc_v1)) return Unexpected(WireError::unknown_opcode);
  if (!is_control(op)) return Unexpected(WireError::not_control);
  ControlPacket p;
  p.opcode = Opcode(op);
  p.key_id = key_id_of(d[0]);
  size_t at = 1;
  if (d.size() < at + 8) return Unexpected(WireError::truncated_session_id);
  p.session_id = load_be64(&d[at]);
  at += 8;
  if (d.size() < at + 1) return Unexpected(WireError::truncated_acks);
  const size_t n = d[at++];
  if (n > kMaxAcks) return Unexpected(WireError::too_many_acks);
  if (d.size() < at + 4 * n) return Unexpected(WireError::truncated_acks);
  p.acks.reserve(n);
  for (size_t i = 0; i < n; ++i, at += 4) p.acks.push_back(load_be32(&d[at]));
  if (n > 0) {
    if (d.size() < at + 8) return Unexpected(WireError::truncated_remote_session_id);
    p.remote_session_id = load_be64(&d[at]);
    at += 8;
  }
  if (p.opcode == Opcode::ack_v1) {
    if (n == 0) return Unexpected(WireError::ack_without_acks);
  } else {
    if (d.size() < at + 4) return Unexpected(WireError::truncated_packet_id);
    p.packet_id = load_be32(&d[at]);
    at += 4;
  }
  p.payload = d.subspan(at);
  return p;
}

void serialize_control(const ControlPacket& p, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  const size_t n = p.acks.size();
  out.resize(start + 1 + 8 + 1 + 4 * n + (n ? 8 : 0) + (p.packet_id ? 4 : 0));
  uint8_t* w = out.data() + start;
  *w++ = first_byte(p.opcode, p.key_id);
  store_be64(w, p.session_id);
  w += 8;
  *w++ = uint8_t(n);
  for (uint32_t a : p.acks) {
    store_be32(w, a);
    w += 4;
  }
  if (n) {
    store_be64(w, p.remote_session_id);
    w += 8;
  }
  if (p.packet_id) store_be32(w, *p.packet_id);
  out.insert(out.end(), p.payload.begin(), p.payload.end());
}

Result<DataHeader, WireError> parse_data_v2_header(std::span<const uint8_t> d) {
  if (d.empty()) return Unexpected(WireError::empty);
  if (opcode_of(d[0]) != uint8_t(Opcode::data_v2)) return Unexpected(WireError::unknown_opcode);
  if (d.size() < kDataV2HeaderLen) return Unexpected(WireError::truncated_data_header);
  return DataHeader{key_id_of(d[0]), uint32_t(d[1]) << 16 | uint32_t(d[2]) << 8 | d[3]};
}

}  // namespace vpngw::ovpn
