// IKEv2 payload codec: golden bytes for an SA payload as RFC 7296 3.3 lays it out, a full
// IKE_SA_INIT round trip, and one row per malformed input naming its error.
#include <gtest/gtest.h>

#include "proto/ike/message.hpp"
#include "tests/test_util.hpp"

namespace vpngw::ike {
namespace {

using test::hex;
using test::to_hex;
using Bytes = std::vector<uint8_t>;

Proposal aws_default_ike() {
  // AES-128-CBC, HMAC-SHA1 PRF and integrity, MODP 2048: the old "Download configuration" defaults.
  Proposal p;
  p.number = 1;
  p.protocol = Protocol::ike;
  p.transforms = {{transform::encr, encr_id::aes_cbc, 128}, {transform::prf, prf_id::hmac_sha1, {}},
                  {transform::integ, integ_id::hmac_sha1_96, {}}, {transform::dh, dh_group::modp2048, {}}};
  return p;
}

TEST(IkeMessage, SaPayloadGolden) {
  const auto bytes = encode_sa({aws_default_ike()});
  EXPECT_EQ(to_hex(bytes),
            "0000002c" "01010004"               // last proposal, length 44, #1 IKE, no SPI, 4 transforms
            "0300000c" "0100000c" "800e0080"    // ENCR AES-CBC, key length 128
            "03000008" "02000002"               // PRF HMAC-SHA1
            "03000008" "03000002"               // INTEG HMAC-SHA1-96
            "00000008" "0400000e");             // DH 14, last transform
  auto back = parse_sa(bytes);
  ASSERT_TRUE(back) << back.error().what;
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->at(0).transforms, aws_default_ike().transforms);
}

TEST(IkeMessage, IkeSaInitRoundTrip) {
  Header h;
  h.spi_i = 0x1122334455667788;
  h.exchange = Exchange::ike_sa_init;
  h.flags = kFlagInitiator;
  std::vector<Payload> payloads = {
      {payload::sa, false, encode_sa({aws_default_ike()})},
      {payload::ke, false, encode_ke({dh_group::modp2048, Bytes(256, 0x42)})},
      {payload::nonce, false, Bytes(32, 0x17)},
      {payload::notify, false, encode_notify({Protocol::ike, {}, notify::nat_detection_source_ip, Bytes(20, 1)})},
  };
  const auto bytes = encode_message(h, payloads);
  auto m = parse_message(bytes);
  ASSERT_TRUE(m) << m.error().what;
  EXPECT_EQ(m->header.spi_i, h.spi_i);
  EXPECT_EQ(m->header.length, bytes.size());
  EXPECT_TRUE(m->header.initiator());
  ASSERT_EQ(m->payloads.size(), 4u);
  EXPECT_EQ(parse_ke(m->find(payload::ke)->body)->group, dh_group::modp2048);
  EXPECT_EQ(parse_notify(m->find(payload::notify)->body)->type, notify::nat_detection_source_ip);
}

TEST(IkeMessage, TrafficSelectorsAndIdentities) {
  const auto ts = encode_ts({TrafficSelector::any_v4()});
  EXPECT_EQ(to_hex(ts), "01000000" "07000010" "0000ffff" "00000000" "ffffffff");
  EXPECT_EQ(parse_ts(ts)->at(0), TrafficSelector::any_v4());
  const auto id = encode_id({id_type::ipv4, {198, 51, 100, 1}});
  EXPECT_EQ(parse_id(id)->to_string(), "198.51.100.1");
}

TEST(IkeMessage, MalformedInputNamesTheProblem) {
  const Bytes good = encode_message(Header{}, {{payload::nonce, false, Bytes(16, 1)}});
  struct Row {
    const char* what;
    Bytes bytes;
    std::string error_has;
  };
  auto with = [&](auto edit) {
    Bytes b = good;
    edit(b);
    return b;
  };
  const std::vector<Row> rows = {
      {"short", Bytes(20, 0), "shorter than the IKE header"},
      {"IKEv1", with([](Bytes& b) { b[17] = 0x10; }), "major version 1"},
      {"length past the datagram", with([](Bytes& b) { b[27] = 0xff; }), "header length"},
      {"payload length past the end", with([](Bytes& b) { b[31] = 0x40; }), "payload type 40 length 64"},
      {"payload length below 4", with([](Bytes& b) { b[31] = 2; }), "length 2"},
      {"chain names a payload that is not there", with([](Bytes& b) { b[28] = payload::sa; }), "header cut short"},
  };
  for (const auto& r : rows) {
    auto m = parse_message(r.bytes);
    ASSERT_FALSE(m) << r.what;
    EXPECT_NE(m.error().what.find(r.error_has), std::string::npos) << r.what << ": " << m.error().what;
  }
  EXPECT_FALSE(parse_sa(hex("0000000c01010001")));                 // proposal claims a transform it lacks
  EXPECT_FALSE(parse_sa(hex("0000000801010000ff")));               // bytes after the last proposal
  EXPECT_FALSE(parse_ts(hex("01000000" "07000011" "0000ffff")));   // selector length wrong
  EXPECT_FALSE(parse_delete(hex("03040002" "00000001")));          // two SPIs announced, one present
  EXPECT_FALSE(parse_id(hex("01000000" "c000")));                  // IPv4 ID of 2 bytes
  EXPECT_FALSE(parse_notify(hex("03040000" "0102")));              // SPI size past the payload
}

}  // namespace
}  // namespace vpngw::ike
