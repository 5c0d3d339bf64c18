#include "dataplane/ovpn_data.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"

namespace vpngw::ovpn {
namespace {

constexpr uint8_t kOpDataV2 = 9;
constexpr size_t kAdLen = 8;

void make_nonce(const DataKey& key, const uint8_t* packet_id_be, uint8_t nonce[AeadContext::kNonceLen]) {
  std::memcpy(nonce, packet_id_be, 4);
  std::memcpy(nonce + 4, key.iv.data(), key.iv.size());
}

}  // namespace

size_t seal_data_v2(DataKey& key, uint8_t key_id, uint32_t peer_id, uint32_t packet_id,
                    std::span<const uint8_t> plaintext, std::span<uint8_t> out) {
  const size_t total = plaintext.size() + kDataV2Overhead;
  if (out.size() < total) return 0;
  uint8_t* p = out.data();
  p[0] = uint8_t(kOpDataV2 << 3 | (key_id & 7));
  p[1] = uint8_t(peer_id >> 16);
  p[2] = uint8_t(peer_id >> 8);
  p[3] = uint8_t(peer_id);
  store_be32(p + 4, packet_id);
  uint8_t* tag = p + kAdLen;
  uint8_t* body = tag + kAeadTagLen;
  if (body != plaintext.data()) std::memmove(body, plaintext.data(), plaintext.size());
  uint8_t nonce[AeadContext::kNonceLen];
  make_nonce(key, p + 4, nonce);
  if (!key.aead.seal_nonce(nonce, {p, kAdLen}, {body, plaintext.size()}, tag)) return 0;
  return total;
}

Result<Opened, DataError> open_data_v2(DataKey& key, std::span<uint8_t> d) {
  if (d.size() < kDataV2Overhead) return Unexpected(DataError::truncated);
  uint8_t nonce[AeadContext::kNonceLen];
  make_nonce(key, d.data() + 4, nonce);
  std::span<uint8_t> body = d.subspan(kDataV2Overhead);
  if (!key.aead.open_nonce(nonce, d.first(kAdLen), body, d.data() + kAdLen)) return Unexpected(DataError::bad_tag);
  return Opened{load_be32(d.data() + 4), body};
}

bool is_ping(std::span<const uint8_t> p) {
  return p.size() == kPingMagic.size() && std::equal(p.begin(), p.end(), kPingMagic.begin());
}

bool is_occ_exit(std::span<const uint8_t> p) {
  return p.size() >= kOccMagic.size() + 1 && std::equal(kOccMagic.begin(), kOccMagic.end(), p.begin()) &&
         p[kOccMagic.size()] == kOccExit;
}

}  // namespace vpngw::ovpn
