#include "proto/ike/cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/bytes.hpp"

namespace vpngw::ike {

CookieJar::CookieJar() {
  RAND_bytes(secrets_[0].data(), int(secrets_[0].size()));
  RAND_bytes(secrets_[1].data(), int(secrets_[1].size()));
}

void CookieJar::rotate() {
  ++version_;
  RAND_bytes(secrets_[version_ & 1].data(), int(secrets_[version_ & 1].size()));
}

std::vector<uint8_t> CookieJar::make_with(uint8_t version, uint64_t spi_i, std::span<const uint8_t> ni, uint32_t ip) const {
  std::vector<uint8_t> data(ni.begin(), ni.end());
  data.resize(data.size() + 12);
  store_be32(data.data() + ni.size(), ip);
  store_be64(data.data() + ni.size() + 4, spi_i);
  std::vector<uint8_t> cookie(1 + 32);
  cookie[0] = version;
  unsigned len = 0;
  const auto& secret = secrets_[version & 1];
  HMAC(EVP_sha256(), secret.data(), int(secret.size()), data.data(), data.size(), cookie.data() + 1, &len);
  return cookie;
}

std::vector<uint8_t> CookieJar::make(uint64_t spi_i, std::span<const uint8_t> ni, uint32_t initiator_ip) const {
  return make_with(version_, spi_i, ni, initiator_ip);
}

bool CookieJar::valid(std::span<const uint8_t> cookie, uint64_t spi_i, std::span<const uint8_t> ni,
                      uint32_t initiator_ip) const {
  if (cookie.size() != 33) return false;
  const uint8_t v = cookie[0];
  if (v != version_ && uint8_t(v + 1) != version_) return false;  // current or previous secret only
  const auto want = make_with(v, spi_i, ni, initiator_ip);
  return CRYPTO_memcmp(want.data(), cookie.data(), want.size()) == 0;
}

}  // namespace vpngw::ike
