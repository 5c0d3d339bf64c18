// IKEv2 key derivation known answers (computed independently with Python's hmac/hashlib from the
// RFC 7296 2.13-2.15 formulas), and Diffie-Hellman agreement for every group we offer.
#include <gtest/gtest.h>

#include "proto/ike/crypto.hpp"
#include "proto/ike/message.hpp"
#include "tests/test_util.hpp"

namespace vpngw::ike {
namespace {

using test::hex;
using test::to_hex;

Bytes seq(uint8_t from, size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(from + i);
  return b;
}

TEST(IkeCrypto, PrfPlusKnownAnswer) {
  const std::string key = "key", seed = "seed";
  const auto out = prf_plus(PrfAlg::hmac_sha1, std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                            std::span(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()), 50);
  EXPECT_EQ(to_hex(out), "0a4dd4d286ae93c5e1d24f24f3756216b533dd67ad15d19cef25f483bcc5300fd5487404a2c5000664d807a67dba048c69ac");
}

TEST(IkeCrypto, SkeyseedAndKeysKnownAnswer) {
  // AES-256-GCM (32-byte key + 4-byte salt, no integrity key) with PRF HMAC-SHA2-256.
  const Bytes ni = seq(0, 32), nr = seq(100, 32), gir(256, 0xab);
  const IkeKeys k = derive_ike_keys(PrfAlg::hmac_sha256, ni, nr, gir, 0x0102030405060708, 0x1112131415161718, 0, 36);
  EXPECT_EQ(to_hex(k.sk_d), "f18a07a80dfd5f9dd3db863b30e7a99dceddda75e31080efcf6ac5d2580adfc1");
  EXPECT_TRUE(k.sk_ai.empty());
  EXPECT_EQ(to_hex(k.sk_ei), "0c228ca20cfb4c07fa0da2043db88c1cc8acbf7576e06b2c5ac0be45bb7bae6d7cfe7c9d");
  EXPECT_EQ(to_hex(k.sk_er), "ed4c1492c315e70a586f9dbb268708d53ee0520b90a3abac56c5b030c2b5835bb41e41ca");
  EXPECT_EQ(to_hex(k.sk_pi), "2cb5d3050ce5a998ef8def6d35fbdbde8661106601c2e18cf57715b81099fcbb");
  EXPECT_EQ(to_hex(k.sk_pr), "92c928ab4dcee09d6e573114d13a689be73d227de3a98df463c55990f36f5cf1");
}

TEST(IkeCrypto, PskAuthKnownAnswer) {
  const Bytes msg(40, 0x01), nonce(32, 0x02), skp(32, 0x03), id{1, 0, 0, 0, 192, 0, 2, 1};
  EXPECT_EQ(to_hex(psk_auth(PrfAlg::hmac_sha256, "secret-psk", msg, nonce, skp, id)),
            "35a9ba9d9ad914dcebf438c100ff5fedfa82ca304cb1dbb32d1aa44ef02c9f7b");
}

class IkeDh : public ::testing::TestWithParam<uint16_t> {};

TEST_P(IkeDh, BothSidesAgreeAndBadPeersAreRefused) {
  auto a = DiffieHellman::create(GetParam()), b = DiffieHellman::create(GetParam());
  ASSERT_TRUE(a && b);
  auto sa = a->shared_secret(b->public_value());
  auto sb = b->shared_secret(a->public_value());
  ASSERT_TRUE(sa) << sa.error();
  ASSERT_TRUE(sb) << sb.error();
  EXPECT_EQ(sa.value(), sb.value());
  EXPECT_FALSE(a->shared_secret(Bytes(3, 1))) << "wrong length";
  if (GetParam() != dh_group::curve25519) {
    EXPECT_FALSE(a->shared_secret(Bytes(a->public_value().size(), 0))) << "zero is not a valid public value";
  }
}

INSTANTIATE_TEST_SUITE_P(Groups, IkeDh, ::testing::Values(dh_group::modp2048, dh_group::modp3072, dh_group::ecp256, dh_group::ecp384, dh_group::ecp521,
                                                           dh_group::curve25519),
                         [](const auto& info) { return "group" + std::to_string(info.param); });

TEST(IkeCrypto, UnknownGroupIsNotOffered) { EXPECT_EQ(DiffieHellman::create(2), nullptr); }

}  // namespace
}  // namespace vpngw::ike
