// Stateless cookies for IKE_SA_INIT (RFC 7296 2.6): when half-open IKE SAs pile up, the responder
// answers an IKE_SA_INIT with a COOKIE instead of keeping state, and only an initiator that sends
// the cookie back (so it receives at its source address) gets a responder. I/O-free.
//   cookie = <secret version> | HMAC-SHA256(secret, Ni | IPi | SPIi)
// The secret rotates; a cookie made with the previous secret is still accepted.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace vpngw::ike {

class CookieJar {
 public:
  CookieJar();
  std::vector<uint8_t> make(uint64_t spi_i, std::span<const uint8_t> ni, uint32_t initiator_ip) const;
  bool valid(std::span<const uint8_t> cookie, uint64_t spi_i, std::span<const uint8_t> ni, uint32_t initiator_ip) const;
  void rotate();  // a new secret; the current one becomes the previous one

 private:
  std::vector<uint8_t> make_with(uint8_t version, uint64_t spi_i, std::span<const uint8_t> ni, uint32_t ip) const;
  uint8_t version_ = 0;
  std::array<std::array<uint8_t, 32>, 2> secrets_{};  // by version & 1
};

}  // namespace vpngw::ike
