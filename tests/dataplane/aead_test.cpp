// AEAD known answers: the GCM specification's test cases (McGrew & Viega, "The Galois/Counter
// Mode of Operation", cases 3, 4 and 16) split into RFC 4106's salt || explicit IV.
#include <gtest/gtest.h>

#include "dataplane/aead.hpp"
#include "tests/test_util.hpp"

namespace vpngw {
namespace {

using test::hex;

struct GcmCase {
  const char* name;
  Cipher cipher;
  const char* key;
  const char* iv;  // 12 bytes: salt (4) || explicit IV (8)
  const char* aad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;
};

constexpr const char* kP60 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";

const GcmCase kGcmCases[] = {
    {"case3_aes128_no_aad", Cipher::aes_gcm_128, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"case4_aes128_aad", Cipher::aes_gcm_128, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", kP60,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"case16_aes256_aad", Cipher::aes_gcm_256,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", kP60,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

void PrintTo(const GcmCase& c, std::ostream* os) { *os << c.name; }

class GcmKnownAnswer : public ::testing::TestWithParam<GcmCase> {};

TEST_P(GcmKnownAnswer, SealMatchesAndOpenRoundTrips) {
  const auto& c = GetParam();
  const auto iv12 = hex(c.iv);
  auto keymat = hex(c.key);
  keymat.insert(keymat.end(), iv12.begin(), iv12.begin() + 4);  // the salt is the nonce's head
  const auto aad = hex(c.aad);
  auto data = hex(c.plaintext);
  uint8_t tag[kAeadTagLen];

  AeadContext seal(c.cipher, keymat, AeadDirection::seal);
  ASSERT_TRUE(seal.seal(iv12.data() + 4, aad, data, tag));
  EXPECT_EQ(data, hex(c.ciphertext));
  EXPECT_EQ(std::vector<uint8_t>(tag, tag + 16), hex(c.tag));

  AeadContext open(c.cipher, keymat, AeadDirection::open);
  ASSERT_TRUE(open.open(iv12.data() + 4, aad, data, tag));
  EXPECT_EQ(data, hex(c.plaintext));

  // Same context again: the key schedule is reused, each call sets only the nonce.
  auto again = hex(c.plaintext);
  ASSERT_TRUE(seal.seal(iv12.data() + 4, aad, again, tag));
  EXPECT_EQ(again, hex(c.ciphertext));
}

INSTANTIATE_TEST_SUITE_P(GcmSpec, GcmKnownAnswer, ::testing::ValuesIn(kGcmCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Aead, TamperedTagOrDataFailsToOpen) {
  for (Cipher cipher : {Cipher::aes_gcm_128, Cipher::aes_gcm_256, Cipher::chacha20_poly1305}) {
    std::vector<uint8_t> keymat(cipher_info(cipher).key_len + kAeadSaltLen, 0x42);
    AeadContext seal(cipher, keymat, AeadDirection::seal);
    AeadContext open(cipher, keymat, AeadDirection::open);
    const uint8_t iv[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t aad[8] = {9, 9, 9, 9, 0, 0, 0, 1};
    std::vector<uint8_t> data(100, 0x17);
    uint8_t tag[16];
    ASSERT_TRUE(seal.seal(iv, aad, data, tag));

    auto bad = data;
    bad[50] ^= 1;
    EXPECT_FALSE(open.open(iv, aad, bad, tag)) << cipher_info(cipher).name;
    uint8_t bad_tag[16];
    std::copy(tag, tag + 16, bad_tag);
    bad_tag[0] ^= 0x80;
    auto copy = data;
    EXPECT_FALSE(open.open(iv, aad, copy, bad_tag)) << cipher_info(cipher).name;
    const uint8_t other_aad[8] = {9, 9, 9, 9, 0, 0, 0, 2};
    copy = data;
    EXPECT_FALSE(open.open(iv, other_aad, copy, tag)) << cipher_info(cipher).name;
    copy = data;
    EXPECT_TRUE(open.open(iv, aad, copy, tag)) << cipher_info(cipher).name;
    EXPECT_EQ(copy, std::vector<uint8_t>(100, 0x17));
  }
}

TEST(Aead, WrongKeyLengthIsRejectedWithTheExpectedSize) {
  std::vector<uint8_t> keymat(16, 0);  // AES-128 key without its salt
  try {
    AeadContext ctx(Cipher::aes_gcm_128, keymat, AeadDirection::seal);
    FAIL() << "accepted a key without salt";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("20 bytes"), std::string::npos) << e.what();
  }
}

TEST(Aead, CipherNamesFollowXfrmAndStrongSwan) {
  EXPECT_EQ(cipher_from_name("rfc4106(gcm(aes))", 20), Cipher::aes_gcm_128);
  EXPECT_EQ(cipher_from_name("rfc4106(gcm(aes))", 36), Cipher::aes_gcm_256);
  EXPECT_EQ(cipher_from_name("rfc4106(gcm(aes))", 24), std::nullopt);
  EXPECT_EQ(cipher_from_name("aes256gcm16", 0), Cipher::aes_gcm_256);
  EXPECT_EQ(cipher_from_name("rfc7539esp(chacha20,poly1305)", 36), Cipher::chacha20_poly1305);
  EXPECT_EQ(cipher_from_name("des", 8), std::nullopt);
}

}  // namespace
}  // namespace vpngw
