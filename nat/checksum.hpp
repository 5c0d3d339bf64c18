// Internet checksum updates without touching the payload (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
// Checksums are kept in network byte order as they sit in the packet; the one's-complement sum
// does not care about byte order as long as old and new values are taken the same way.
#pragma once

#include <cstdint>
#include <cstring>

namespace vpngw::nat {

inline uint16_t fold(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

// `check` points at a 16-bit checksum field; old/new are 16-bit words in the same (wire) order.
inline void checksum_replace16(uint8_t* check, uint16_t old_word, uint16_t new_word) {
  uint16_t hc;
  std::memcpy(&hc, check, 2);
  const uint32_t sum = uint32_t(uint16_t(~hc)) + uint16_t(~old_word) + new_word;
  const uint16_t out = uint16_t(~fold(sum));
  std::memcpy(check, &out, 2);
}

inline void checksum_replace32(uint8_t* check, uint32_t old_word, uint32_t new_word) {
  checksum_replace16(check, uint16_t(old_word >> 16), uint16_t(new_word >> 16));
  checksum_replace16(check, uint16_t(old_word), uint16_t(new_word));
}

// The full checksum of a byte range (for headers we build, and for tests).
inline uint16_t checksum(const uint8_t* data, size_t len, uint32_t initial = 0) {
  uint32_t sum = initial;
  for (size_t i = 0; i + 1 < len; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (len & 1) sum += uint32_t(data[len - 1]) << 8;
  return uint16_t(~fold(sum));
}

}  // namespace vpngw::nat
