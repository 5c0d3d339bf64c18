// ESP codec: the RFC 7634 appendix A packet byte for byte in both directions, round trips for
// every cipher with and without ESN, the sequence overflow guard and every inbound error.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/bytes.hpp"
#include "dataplane/esp.hpp"
#include "tests/test_util.hpp"

namespace vpngw {
namespace {

using test::hex;

// RFC 7634 appendix A: tunnel-mode ESP carrying an ICMP echo, SPI 0x01020304, seq 5.
const char* kRfc7634Keymat =
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3";
const char* kRfc7634Inner =
    "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
    "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
    "2425262728292a2b2c2d2e2f3031323334353637";
const char* kRfc7634Esp =
    "01020304000000051011121314151617"
    "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
    "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
    "cbec163fac469b502773f6fb94e664da9165b82829f641e0"
    "76aaa8266b7fb0f7b11b369907e1ad43";

TEST(EspKnownAnswer, Rfc7634AppendixAOpens) {
  InboundSa sa(0x01020304, Cipher::chacha20_poly1305, hex(kRfc7634Keymat), /*esn=*/false, 1024);
  auto packet = hex(kRfc7634Esp);
  auto spi = esp_peek_spi(packet);
  ASSERT_TRUE(spi);
  EXPECT_EQ(spi.value(), 0x01020304u);
  auto r = esp_open(sa, packet);
  ASSERT_TRUE(r) << int(r.error());
  EXPECT_EQ(r->seq, 5u);
  EXPECT_EQ(r->next_header, kNextHeaderIpv4);
  EXPECT_EQ(std::vector<uint8_t>(packet.begin() + r->inner_offset, packet.begin() + r->inner_offset + r->inner_len),
            hex(kRfc7634Inner));
}

TEST(EspKnownAnswer, Rfc7634AppendixASealsTheSameBytes) {
  OutboundSa sa(0x01020304, Cipher::chacha20_poly1305, hex(kRfc7634Keymat), false);
  const auto inner = hex(kRfc7634Inner);
  std::vector<uint8_t> buf(kEspHeadroom + inner.size() + kEspMaxTailroom);
  std::copy(inner.begin(), inner.end(), buf.begin() + kEspHeadroom);
  auto r = esp_seal_at(sa, buf, inner.size(), kNextHeaderIpv4, 5, 0x1011121314151617ull);
  ASSERT_TRUE(r);
  buf.resize(r.value());
  EXPECT_EQ(buf, hex(kRfc7634Esp));
}

struct Pair {
  OutboundSa out;
  InboundSa in;
  Pair(Cipher c, bool esn, uint32_t window = 1024)
      : out(0x1000, c, key(c), esn), in(0x1000, c, key(c), esn, window) {}
  static std::vector<uint8_t> key(Cipher c) {
    std::vector<uint8_t> k(cipher_info(c).key_len + kAeadSaltLen);
    for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(i * 7 + 1);
    return k;
  }
};

std::vector<uint8_t> seal(OutboundSa& sa, size_t inner_len, uint8_t fill = 0x45) {
  std::vector<uint8_t> buf(kEspHeadroom + inner_len + kEspMaxTailroom, 0);
  std::fill(buf.begin() + kEspHeadroom, buf.begin() + kEspHeadroom + inner_len, fill);
  auto r = esp_seal(sa, buf, inner_len, kNextHeaderIpv4);
  if (!r) return {};
  buf.resize(r.value());
  return buf;
}

}  // namespace

// Printed in test listings by name (gtest finds PrintTo next to the type, in vpngw).
void PrintTo(Cipher c, std::ostream* os) { *os << cipher_info(c).name; }

namespace {

class EspRoundTrip : public ::testing::TestWithParam<std::tuple<Cipher, bool>> {};

TEST_P(EspRoundTrip, EveryLengthSealsAlignedAndOpens) {
  auto [cipher, esn] = GetParam();
  Pair p(cipher, esn);
  for (size_t len = 0; len <= 70; ++len) {
    auto pkt = seal(p.out, len);
    ASSERT_FALSE(pkt.empty());
    EXPECT_EQ((pkt.size() - kEspHeadroom - kAeadTagLen) % 4, 0u) << "len " << len;
    auto r = esp_open(p.in, pkt);
    ASSERT_TRUE(r) << "len " << len << " error " << int(r.error());
    EXPECT_EQ(r->inner_len, len);
    EXPECT_EQ(r->seq, len + 1);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCiphers, EspRoundTrip,
                         ::testing::Combine(::testing::Values(Cipher::aes_gcm_128, Cipher::aes_gcm_256,
                                                              Cipher::chacha20_poly1305),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           std::string name(cipher_info(std::get<0>(info.param)).name);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name + (std::get<1>(info.param) ? "_esn" : "_no_esn");
                         });

TEST(Esp, TamperedPacketIsRejectedAndDoesNotMoveTheWindow) {
  Pair p(Cipher::aes_gcm_128, true);
  auto pkt = seal(p.out, 100);
  for (size_t where : {size_t(4), size_t(12), size_t(40), pkt.size() - 1}) {
    auto bad = pkt;
    bad[where] ^= 0x01;
    auto r = esp_open(p.in, bad);
    ASSERT_FALSE(r) << "byte " << where;
    // Flipping the sequence number may land it in a different replay verdict; anything but ok.
    if (where != 4) {
      EXPECT_EQ(r.error(), EspError::bad_icv) << "byte " << where;
    }
  }
  EXPECT_EQ(p.in.window.highest(), 0u);
  EXPECT_TRUE(esp_open(p.in, pkt));
}

TEST(Esp, ReplayedPacketIsRejected) {
  Pair p(Cipher::chacha20_poly1305, true);
  auto pkt = seal(p.out, 60);
  auto copy = pkt;
  ASSERT_TRUE(esp_open(p.in, pkt));
  auto r = esp_open(p.in, copy);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EspError::replayed);
}

TEST(Esp, ExtendedSequenceNumbersCrossTheLow32BitWrap) {
  Pair p(Cipher::aes_gcm_256, true);
  p.out.last_seq = 0xfffffffdull;
  p.in.window.accept(0xfffffff0ull);  // as if the receiver had followed the sender so far
  for (uint64_t want = 0xfffffffeull; want <= 0x100000003ull; ++want) {
    auto pkt = seal(p.out, 20);
    ASSERT_FALSE(pkt.empty());
    auto r = esp_open(p.in, pkt);
    ASSERT_TRUE(r) << std::hex << want << " error " << int(r.error());
    EXPECT_EQ(r->seq, want);
  }
}

TEST(Esp, HighSequenceBitsAreAuthenticatedWithEsn) {
  // A receiver that guesses the wrong epoch must fail authentication, not accept the packet.
  Pair p(Cipher::aes_gcm_128, true);
  p.out.last_seq = 0x100000000ull;  // next packet: high 1, low 1
  auto pkt = seal(p.out, 20);
  auto r = esp_open(p.in, pkt);  // receiver is in epoch 0 and infers seq 1
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EspError::bad_icv);
}

TEST(Esp, SequenceOverflowGuardStopsTheSender) {
  Pair p(Cipher::aes_gcm_128, /*esn=*/false);
  p.out.last_seq = 0xfffffffeull;
  auto last = seal(p.out, 10);
  ASSERT_FALSE(last.empty());  // seq 0xffffffff is the last one allowed
  std::vector<uint8_t> buf(kEspHeadroom + 10 + kEspMaxTailroom);
  for (int i = 0; i < 3; ++i) {
    auto r = esp_seal(p.out, buf, 10, kNextHeaderIpv4);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), EspError::seq_exhausted);
  }

  Pair e(Cipher::aes_gcm_128, /*esn=*/true);
  e.out.last_seq = UINT64_MAX - 1;
  EXPECT_FALSE(seal(e.out, 10).empty());
  auto r = esp_seal(e.out, buf, 10, kNextHeaderIpv4);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EspError::seq_exhausted);
}

TEST(Esp, MalformedInputIsTypedNeverRead) {
  Pair p(Cipher::aes_gcm_128, true);
  for (size_t len = 0; len < kEspMinPacket; ++len) {
    std::vector<uint8_t> junk(len, 0xab);
    auto r = esp_open(p.in, junk);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), EspError::malformed) << len;
  }
  auto pkt = seal(p.out, 40);
  pkt.push_back(0);  // ciphertext no longer 4-byte aligned
  auto r = esp_open(p.in, pkt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), EspError::malformed);
}

// Seals a hand-made plaintext (inner + trailer) as ESP without ESN, to craft trailers the codec
// itself would never produce.
std::vector<uint8_t> craft(Cipher c, uint32_t spi, uint32_t seq, std::vector<uint8_t> plaintext) {
  AeadContext aead(c, Pair::key(c), AeadDirection::seal);
  std::vector<uint8_t> pkt(kEspHeadroom);
  store_be32(pkt.data(), spi);
  store_be32(pkt.data() + 4, seq);
  store_be64(pkt.data() + 8, seq);
  uint8_t aad[8];
  std::copy(pkt.begin(), pkt.begin() + 8, aad);
  uint8_t tag[16];
  EXPECT_TRUE(aead.seal(pkt.data() + 8, aad, plaintext, tag));
  pkt.insert(pkt.end(), plaintext.begin(), plaintext.end());
  pkt.insert(pkt.end(), tag, tag + 16);
  return pkt;
}

TEST(Esp, BadPaddingAfterAuthenticationIsRejectedButConsumesTheSequence) {
  struct Row {
    const char* what;
    std::vector<uint8_t> plaintext;
  };
  const Row rows[] = {
      {"pad length beyond the payload", {0x45, 0x00, 200, 4}},
      {"padding bytes not 1,2,..", {0x45, 0x00, 0x00, 0x00, 7, 7, 2, 4}},
  };
  uint32_t seq = 1;
  for (const auto& row : rows) {
    Pair p(Cipher::aes_gcm_128, false);
    auto pkt = craft(Cipher::aes_gcm_128, 0x1000, seq, row.plaintext);
    auto r = esp_open(p.in, pkt);
    ASSERT_FALSE(r) << row.what;
    EXPECT_EQ(r.error(), EspError::bad_padding) << row.what;
    EXPECT_EQ(p.in.window.highest(), seq) << row.what;  // authentic: the window moved
  }
}

}  // namespace
}  // namespace vpngw
