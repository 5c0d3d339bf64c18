// ESP with AES-CBC + HMAC (RFC 3602, RFC 2404, RFC 4868): round trips for every key size,
// integrity algorithm and ESN setting; the ICV checked independently with libsodium's HMAC; and
// every way a packet can be wrong.
#include <gtest/gtest.h>
#include <sodium.h>

#include <tuple>

#include "common/bytes.hpp"
#include "dataplane/esp.hpp"

namespace vpngw {
namespace {

struct Keys {
  std::vector<uint8_t> aes, mac;
};
Keys keys_for(size_t aes_bytes, Integrity i) {
  return {std::vector<uint8_t>(aes_bytes, 0x11), std::vector<uint8_t>(integrity_info(i).key_len, 0x22)};
}

std::vector<uint8_t> slot_with(size_t inner_len) {
  std::vector<uint8_t> slot(kEspHeadroom + inner_len + kEspMaxTailroom);
  for (size_t i = 0; i < inner_len; ++i) slot[kEspHeadroom + i] = uint8_t(i * 7 + 3);
  return slot;
}

using Params = std::tuple<size_t, Integrity, bool>;
class EspCbcRoundTrip : public ::testing::TestWithParam<Params> {};

TEST_P(EspCbcRoundTrip, EveryLengthSealsToBlocksAndOpens) {
  const auto [aes_bytes, integ, esn] = GetParam();
  const Keys k = keys_for(aes_bytes, integ);
  OutboundSa out(0x4242, CbcHmacKeys{k.aes, integ, k.mac}, esn);
  InboundSa in(0x4242, CbcHmacKeys{k.aes, integ, k.mac}, esn, 1024);
  const size_t icv = integrity_info(integ).icv_len;
  for (size_t len = 20; len < 90; ++len) {
    auto slot = slot_with(len);
    const auto inner = std::vector<uint8_t>(slot.begin() + kEspHeadroom, slot.begin() + long(kEspHeadroom + len));
    auto sealed = esp_seal(out, slot, len, kNextHeaderIpv4);
    ASSERT_TRUE(sealed) << len;
    EXPECT_EQ((sealed.value() - 8 - 16 - icv) % 16, 0u) << "ciphertext is whole AES blocks";
    auto r = esp_open(in, {slot.data(), sealed.value()});
    ASSERT_TRUE(r) << len << " " << int(r.error());
    EXPECT_EQ(r->inner_offset, 24u);
    EXPECT_EQ(std::vector<uint8_t>(slot.begin() + long(r->inner_offset), slot.begin() + long(r->inner_offset + r->inner_len)),
              inner);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransforms, EspCbcRoundTrip,
                         ::testing::Combine(::testing::Values(size_t(16), size_t(32)),
                                            ::testing::Values(Integrity::hmac_sha1_96, Integrity::hmac_sha256_128,
                                                              Integrity::hmac_sha384_192, Integrity::hmac_sha512_256),
                                            ::testing::Bool()));

TEST(EspCbc, IcvIsTruncatedHmacOverHeaderIvAndCiphertext) {
  const Keys k = keys_for(16, Integrity::hmac_sha256_128);
  OutboundSa out(0x4242, CbcHmacKeys{k.aes, Integrity::hmac_sha256_128, k.mac}, false);
  auto slot = slot_with(40);
  const size_t n = esp_seal(out, slot, 40, kNextHeaderIpv4).value();
  uint8_t mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, k.mac.data(), k.mac.size());
  crypto_auth_hmacsha256_update(&st, slot.data(), n - 16);
  crypto_auth_hmacsha256_final(&st, mac);
  EXPECT_EQ(std::vector<uint8_t>(slot.begin() + long(n - 16), slot.begin() + long(n)), std::vector<uint8_t>(mac, mac + 16));
  EXPECT_EQ(load_be32(slot.data()), 0x4242u);
  EXPECT_EQ(load_be32(slot.data() + 4), 1u);
}

TEST(EspCbc, IvsAreUniqueAndNotTheCounter) {
  const Keys k = keys_for(16, Integrity::hmac_sha1_96);
  OutboundSa out(0x4242, CbcHmacKeys{k.aes, Integrity::hmac_sha1_96, k.mac}, false);
  std::vector<std::vector<uint8_t>> ivs;
  for (int i = 0; i < 3; ++i) {
    auto slot = slot_with(40);
    ASSERT_TRUE(esp_seal(out, slot, 40, kNextHeaderIpv4));
    ivs.emplace_back(slot.begin() + 8, slot.begin() + 24);
    std::vector<uint8_t> counter(16, 0);
    store_be64(counter.data(), uint64_t(i + 1));
    EXPECT_NE(ivs.back(), counter) << "the IV is the encrypted sequence number, not the number";
  }
  EXPECT_NE(ivs[0], ivs[1]);
  EXPECT_NE(ivs[1], ivs[2]);
}

TEST(EspCbc, EsnHighBitsCountInTheIcv) {
  const Keys k = keys_for(32, Integrity::hmac_sha1_96);
  OutboundSa out(0x99, CbcHmacKeys{k.aes, Integrity::hmac_sha1_96, k.mac}, true);
  InboundSa in(0x99, CbcHmacKeys{k.aes, Integrity::hmac_sha1_96, k.mac}, false, 1024);  // receiver without ESN
  auto slot = slot_with(60);
  const size_t n = esp_seal(out, slot, 60, kNextHeaderIpv4).value();
  auto r = esp_open(in, {slot.data(), n});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EspError::bad_icv);
}

TEST(EspCbc, TamperingAnywhereIsCaughtBeforeDecryption) {
  const Keys k = keys_for(16, Integrity::hmac_sha1_96);
  OutboundSa out(0x77, CbcHmacKeys{k.aes, Integrity::hmac_sha1_96, k.mac}, false);
  auto slot = slot_with(64);
  const size_t n = esp_seal(out, slot, 64, kNextHeaderIpv4).value();
  for (size_t at : {size_t(4), size_t(10), size_t(30), n - 1}) {  // seq, IV, ciphertext, ICV
    InboundSa in(0x77, CbcHmacKeys{k.aes, Integrity::hmac_sha1_96, k.mac}, false, 1024);
    auto copy = std::vector<uint8_t>(slot.begin(), slot.begin() + long(n));
    copy[at] ^= 0x01;
    auto r = esp_open(in, copy);
    ASSERT_FALSE(r) << at;
    EXPECT_TRUE(r.error() == EspError::bad_icv) << at << " " << int(r.error());
  }
  InboundSa in(0x77, CbcHmacKeys{k.aes, Integrity::hmac_sha1_96, k.mac}, false, 1024);
  auto copy = std::vector<uint8_t>(slot.begin(), slot.begin() + long(n));
  ASSERT_TRUE(esp_open(in, copy));
  copy.assign(slot.begin(), slot.begin() + long(n));
  EXPECT_EQ(esp_open(in, copy).error(), EspError::replayed);
  EXPECT_EQ(esp_open(in, {copy.data(), n - 1}).error(), EspError::malformed) << "not whole blocks";
  EXPECT_EQ(esp_open(in, {copy.data(), 40}).error(), EspError::malformed) << "shorter than header + IV + block + ICV";
}

TEST(EspCbc, WrongKeyLengthsAreRefusedAtSaCreation) {
  const std::vector<uint8_t> aes(24, 1), mac(20, 2);
  EXPECT_THROW(OutboundSa(1, CbcHmacKeys{aes, Integrity::hmac_sha1_96, mac}, false), std::invalid_argument);
  const std::vector<uint8_t> aes16(16, 1), short_mac(10, 2);
  EXPECT_THROW(InboundSa(1, CbcHmacKeys{aes16, Integrity::hmac_sha1_96, short_mac}, false, 64), std::invalid_argument);
}

}  // namespace
}  // namespace vpngw
