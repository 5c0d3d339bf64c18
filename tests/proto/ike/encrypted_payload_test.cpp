// The SK payload: seal and open for AES-GCM-16 and AES-CBC with every HMAC AWS allows; tampering
// anywhere under the ICV (header, IV, ciphertext, ICV) is refused before decryption; the wrong
// key is refused.
#include <gtest/gtest.h>

#include "proto/ike/encrypted_payload.hpp"

namespace vpngw::ike {
namespace {

struct Suite {
  const char* name;
  uint16_t encr, key_bits, integ;
};

void PrintTo(const Suite& s, std::ostream* os) { *os << s.name; }

class IkeSk : public ::testing::TestWithParam<Suite> {};

SkKeys keys_for(const Suite& s, uint8_t fill) {
  SkKeys k;
  k.encr = s.encr;
  k.integ = s.integ;
  k.encr_key.assign(encr_key_len(s.encr, s.key_bits), fill);
  k.integ_key.assign(integ_key_len(s.integ), uint8_t(fill + 1));
  return k;
}

TEST_P(IkeSk, SealOpenAndTamper) {
  const SkKeys keys = keys_for(GetParam(), 0x33);
  Header h;
  h.spi_i = 1;
  h.spi_r = 2;
  h.exchange = Exchange::ike_auth;
  h.flags = kFlagInitiator;
  h.message_id = 1;
  const std::vector<Payload> inner = {{payload::idi, false, encode_id({id_type::ipv4, {198, 51, 100, 2}})},
                                      {payload::auth, false, encode_auth({kAuthSharedKey, std::vector<uint8_t>(32, 7)})}};
  const auto msg = seal_message(h, inner, keys);
  auto parsed = parse_message(msg);
  ASSERT_TRUE(parsed) << parsed.error().what;
  EXPECT_EQ(parsed->sk_first_inner, payload::idi);
  auto opened = open_message(msg, parsed.value(), keys);
  ASSERT_TRUE(opened) << opened.error();
  ASSERT_EQ(opened->size(), 2u);
  EXPECT_EQ(opened->at(1).body, inner[1].body);

  for (size_t where : {size_t(20), kHeaderLen + 6, msg.size() / 2 + 10, msg.size() - 1}) {
    auto bad = msg;
    bad[where] ^= 0x01;
    auto p = parse_message(bad);
    if (!p) continue;  // the header no longer parses: refused earlier, fine
    EXPECT_FALSE(open_message(bad, p.value(), keys)) << "byte " << where;
  }
  EXPECT_FALSE(open_message(msg, parsed.value(), keys_for(GetParam(), 0x34))) << "wrong key";
}

INSTANTIATE_TEST_SUITE_P(
    AwsSuites, IkeSk,
    ::testing::Values(Suite{"aes128gcm16", encr_id::aes_gcm_16, 128, integ_id::none},
                      Suite{"aes256gcm16", encr_id::aes_gcm_16, 256, integ_id::none},
                      Suite{"aes128_sha1", encr_id::aes_cbc, 128, integ_id::hmac_sha1_96},
                      Suite{"aes256_sha256", encr_id::aes_cbc, 256, integ_id::hmac_sha2_256_128},
                      Suite{"aes256_sha384", encr_id::aes_cbc, 256, integ_id::hmac_sha2_384_192},
                      Suite{"aes256_sha512", encr_id::aes_cbc, 256, integ_id::hmac_sha2_512_256}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vpngw::ike
