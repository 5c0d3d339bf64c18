// Small pieces both halves of IkeSa use (ike_sa.cpp answers the peer's requests,
// ike_sa_initiator.cpp sends ours and reads the answers). Internal to control/ike.
#pragma once

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>
#include <vector>

#include "common/bytes.hpp"
#include "proto/ike/crypto.hpp"
#include "proto/ike/message.hpp"

namespace vpngw::ike {

inline Bytes random_bytes(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), int(n));
  return b;
}

inline Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }

// NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port), RFC 7296 2.23.
inline Bytes nat_hash(uint64_t spi_i, uint64_t spi_r, uint32_t ip, uint16_t port) {
  uint8_t in[8 + 8 + 4 + 2];
  store_be64(in, spi_i);
  store_be64(in + 8, spi_r);
  store_be32(in + 16, ip);
  store_be16(in + 20, port);
  Bytes out(SHA_DIGEST_LENGTH);
  SHA1(in, sizeof in, out.data());
  return out;
}

inline uint16_t transform_id(const Proposal& p, uint8_t type, uint16_t fallback = 0) {
  for (const auto& t : p.transforms)
    if (t.type == type) return t.id;
  return fallback;
}
inline uint16_t key_bits(const Proposal& p) {
  for (const auto& t : p.transforms)
    if (t.type == transform::encr) return t.key_bits.value_or(128);
  return 128;
}

inline bool covers_everything(const std::vector<TrafficSelector>& ts) {
  for (const auto& t : ts)
    if (t == TrafficSelector::any_v4()) return true;
  return false;
}

}  // namespace vpngw::ike
