// Fuzzes everything a UDP 4500 datagram from anyone reaches: RFC 3948 classification, the SPI
// lookup, the replay check, AEAD open and the trailer/inner-packet checks. The first byte picks
// whether the datagram carries a known SPI, so the fuzzer gets past the lookup, and which of the
// four SAs (AES-GCM with ESN, ChaCha20-Poly1305, AES-CBC/HMAC-SHA1-96, AES-CBC/HMAC-SHA2-256-128).
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/pipeline.hpp"

using namespace vpngw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<uint8_t> key(20, 0x33);
  static const std::vector<uint8_t> aes128(16, 0x55), aes256(32, 0x55), sha1(20, 0x66), sha256(32, 0x66);
  static SaTable table{{}, {std::make_shared<InboundSa>(0x1000, Cipher::aes_gcm_128, key, true, 64),
                            std::make_shared<InboundSa>(0x2000, Cipher::chacha20_poly1305,
                                                        std::vector<uint8_t>(36, 0x44), false, 2048),
                            std::make_shared<InboundSa>(0x3000, CbcHmacKeys{aes128, Integrity::hmac_sha1_96, sha1}, false, 64),
                            std::make_shared<InboundSa>(0x4000, CbcHmacKeys{aes256, Integrity::hmac_sha256_128, sha256}, true,
                                                        1024)}};
  std::vector<uint8_t> packet(data, data + size);
  if (size >= 5 && (data[0] & 1)) {
    packet.erase(packet.begin());
    packet[0] = 0, packet[1] = 0, packet[2] = uint8_t(0x10 * (1 + ((data[0] >> 1) & 3))), packet[3] = 0;
  }
  (void)process_inbound(table, packet, 1);
  return 0;
}
