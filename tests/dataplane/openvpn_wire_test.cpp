// OpenVPN's packet framing and reliability layer, and the key method 2 codec, driven by bytes.
#include <gtest/gtest.h>

#include <vector>

#include "proto/openvpn/key_method.hpp"
#include "proto/openvpn/reliable.hpp"
#include "dataplane/openvpn_wire.hpp"
#include "tests/test_util.hpp"

namespace vpngw::ovpn {
namespace {

using test::hex;

// The server's reply to a client's first hard reset, as openvpn 2.6 logs it:
// P_CONTROL_HARD_RESET_SERVER_V2 kid=0 sid=1122334455667788 [0 sid=a1a2a3a4a5a6a7a8] pid=0
const std::vector<uint8_t> kServerReset =
    hex("40 1122334455667788 01 00000000 a1a2a3a4a5a6a7a8 00000000");

TEST(OpenVpnWire, ParsesAControlPacketWithAcks) {
  auto p = parse_control(kServerReset);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->opcode, Opcode::control_hard_reset_server_v2);
  EXPECT_EQ(p->key_id, 0);
  EXPECT_EQ(p->session_id, 0x1122334455667788u);
  ASSERT_EQ(p->acks.size(), 1u);
  EXPECT_EQ(p->acks[0], 0u);
  EXPECT_EQ(p->remote_session_id, 0xa1a2a3a4a5a6a7a8u);
  EXPECT_EQ(p->packet_id, 0u);
  EXPECT_TRUE(p->payload.empty());
  std::vector<uint8_t> out;
  serialize_control(p.value(), out);
  EXPECT_EQ(out, kServerReset);
}

TEST(OpenVpnWire, AckPacketsCarryNoMessageId) {
  const auto bytes = hex("28 0102030405060708 02 00000003 00000004 1112131415161718");
  auto p = parse_control(bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->opcode, Opcode::ack_v1);
  EXPECT_EQ(p->acks, (std::vector<uint32_t>{3, 4}));
  EXPECT_FALSE(p->packet_id);
  std::vector<uint8_t> out;
  serialize_control(p.value(), out);
  EXPECT_EQ(out, bytes);
}

TEST(OpenVpnWire, ControlWithoutAcksHasNoRemoteSessionId) {
  const auto bytes = hex("20 0102030405060708 00 00000007 16030100");  // P_CONTROL_V1, TLS bytes
  auto p = parse_control(bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->packet_id, 7u);
  EXPECT_EQ(std::vector<uint8_t>(p->payload.begin(), p->payload.end()), hex("16030100"));
}

struct BadPacket {
  const char* name;
  const char* bytes;
  WireError error;
};

TEST(OpenVpnWire, RefusesMalformedPacketsWithTypedErrors) {
  const BadPacket cases[] = {
      {"empty", "", WireError::empty},
      {"opcode 0", "00 0102030405060708 00 00000000", WireError::unknown_opcode},
      {"opcode 31", "f8", WireError::unknown_opcode},
      {"data packet", "48 000000", WireError::not_control},
      {"short session id", "20 01020304", WireError::truncated_session_id},
      {"no ack count", "20 0102030405060708", WireError::truncated_acks},
      {"9 acks", "20 0102030405060708 09", WireError::too_many_acks},
      {"ack array past the end", "20 0102030405060708 02 00000001", WireError::truncated_acks},
      {"no remote session id", "20 0102030405060708 01 00000001 1112", WireError::truncated_remote_session_id},
      {"no message id", "20 0102030405060708 00 0000", WireError::truncated_packet_id},
      {"ack without acks", "28 0102030405060708 00", WireError::ack_without_acks},
  };
  for (const auto& c : cases) {
    auto p = parse_control(hex(c.bytes));
    ASSERT_FALSE(p) << c.name;
    EXPECT_EQ(p.error(), c.error) << c.name << ": " << wire_error_name(p.error());
  }
}

TEST(OpenVpnWire, DataV2HeaderCarriesKeyIdAndPeerId) {
  auto h = parse_data_v2_header(hex("4a 00 01 02 00000001"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->key_id, 2);
  EXPECT_EQ(h->peer_id, 0x000102u);
  EXPECT_FALSE(parse_data_v2_header(hex("4a 00")));
}

TEST(OpenVpnReliable, DeliversInOrderAndAcksEverything) {
  ReliableChannel r;
  const std::vector<uint8_t> a{1}, b{2};
  EXPECT_EQ(r.receive(Opcode::control_v1, 1, b), ReliableChannel::Receive::accepted);
  EXPECT_FALSE(r.pop_in_order());  // 0 still missing
  EXPECT_EQ(r.receive(Opcode::control_v1, 0, a), ReliableChannel::Receive::accepted);
  EXPECT_EQ(r.pop_in_order()->payload, a);
  EXPECT_EQ(r.pop_in_order()->payload, b);
  EXPECT_EQ(r.take_acks(8), (std::vector<uint32_t>{1, 0}));
  // A retransmission of something delivered is acked again (our ack was lost).
  EXPECT_EQ(r.receive(Opcode::control_v1, 0, a), ReliableChannel::Receive::duplicate);
  EXPECT_EQ(r.take_acks(8), (std::vector<uint32_t>{0}));
  // Too far ahead: dropped without an ack, the peer will resend.
  EXPECT_EQ(r.receive(Opcode::control_v1, 2 + ReliableChannel::kReceiveWindow, a),
            ReliableChannel::Receive::outside_window);
  EXPECT_FALSE(r.acks_pending());
}

TEST(OpenVpnReliable, RetransmitsWithBackoffUntilAcked) {
  ReliableChannel r;
  for (int i = 0; i < 8; ++i) r.queue(Opcode::control_v1, {uint8_t(i)});
  auto first = r.due(0);
  ASSERT_EQ(first.size(), ReliableChannel::kSendWindow);  // the window limits what is in flight
  EXPECT_EQ(first[0]->packet_id, 0u);
  EXPECT_TRUE(r.due(500'000'000).empty());
  auto again = r.due(ReliableChannel::kInitialRetransmitNs);
  EXPECT_EQ(again.size(), ReliableChannel::kSendWindow);
  EXPECT_EQ(r.retransmissions(), ReliableChannel::kSendWindow);
  const uint32_t acked[] = {0, 1};
  r.on_acks(acked);
  auto next = r.due(ReliableChannel::kInitialRetransmitNs + 1);
  ASSERT_EQ(next.size(), 2u);  // two new messages entered the window
  EXPECT_EQ(next[0]->packet_id, 6u);
  // Backoff doubled for the rest: nothing due one initial interval later.
  EXPECT_TRUE(r.due(2 * ReliableChannel::kInitialRetransmitNs).empty());
}

std::vector<uint8_t> client_key_message(const std::string& peer_info) {
  KeySource src;  // bytes 0..111 in order, so the fields are easy to tell apart
  for (size_t i = 0; i < kPreMasterLen; ++i) src.pre_master[i] = uint8_t(i);
  for (size_t i = 0; i < kRandomLen; ++i) src.random1[i] = uint8_t(kPreMasterLen + i);
  for (size_t i = 0; i < kRandomLen; ++i) src.random2[i] = uint8_t(kPreMasterLen + kRandomLen + i);
  return serialize_client_key_message(
      src, "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,tls-client", peer_info);
}
TEST(OpenVpnKeyMethod, ParsesTheClientsMessage) {
  const auto bytes = client_key_message("IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=990\nIV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n");
  size_t used = 0;
  auto m = parse_client_key_message(bytes, &used);
  ASSERT_TRUE(m);
  EXPECT_EQ(used, bytes.size());
  EXPECT_EQ(m->source.pre_master[0], 0);
  EXPECT_EQ(m->source.random1[0], 48);
  EXPECT_EQ(m->source.random2[31], 111);
  EXPECT_EQ(m->peer_info.at("IV_VER"), "2.6.14");
  EXPECT_EQ(iv_proto(m.value()), 990u);
  EXPECT_TRUE(iv_proto(m.value()) & kIvProtoTlsKeyExport);
  EXPECT_EQ(iv_ciphers(m.value()), (std::vector<std::string>{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}));
}

TEST(OpenVpnKeyMethod, TruncationIsReportedAsSuchSoTheSessionWaits) {
  const auto bytes = client_key_message("IV_VER=2.6.14\n");
  for (size_t n : {size_t(0), size_t(3), size_t(60), bytes.size() - 1}) {
    auto m = parse_client_key_message(std::span(bytes).first(n));
    ASSERT_FALSE(m) << n;
    EXPECT_EQ(m.error(), KeyMethodError::truncated) << n;
  }
}

TEST(OpenVpnKeyMethod, RefusesWrongPrefixMethodAndUnterminatedStrings) {
  auto bytes = client_key_message("IV_VER=2.6.14\n");
  auto wrong = bytes;
  wrong[1] = 1;
  EXPECT_EQ(parse_client_key_message(wrong).error(), KeyMethodError::nonzero_prefix);
  wrong = bytes;
  wrong[4] = 1;
  EXPECT_EQ(parse_client_key_message(wrong).error(), KeyMethodError::unsupported_key_method);
  wrong = bytes;
  wrong.back() = 'x';  // the peer info string loses its NUL
  EXPECT_EQ(parse_client_key_message(wrong).error(), KeyMethodError::bad_string);
}

TEST(OpenVpnKeyMethod, ServerMessageHasRandomsOptionsAndEmptyStrings) {
  KeySource s;
  s.random1.fill(0xaa);
  s.random2.fill(0xbb);
  const auto m = serialize_server_key_message(s, "V4,tls-server");
  ASSERT_EQ(m.size(), 5u + 64 + 2 + 14 + 6);
  EXPECT_EQ(m[4], 2);
  EXPECT_EQ(m[5], 0xaa);
  EXPECT_EQ(m[37], 0xbb);
  EXPECT_EQ(m[69], 0);
  EXPECT_EQ(m[70], 14);
}

}  // namespace
}  // namespace vpngw::ovpn
