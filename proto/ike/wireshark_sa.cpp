#include "proto/ike/wireshark_sa.hpp"

#include "common/hex.hpp"

namespace vpngw::ike {
namespace {

// Wireshark's names for the transforms (epan/dissectors/packet-ipsec.c).
const char* auth_name(uint16_t integ) {
  switch (integ) {
    case integ_id::none: return "NULL";
    case integ_id::hmac_sha1_96: return "HMAC-SHA-1-96 [RFC2404]";
    case integ_id::hmac_sha2_256_128: return "HMAC-SHA-256-128 [RFC4868]";
    case integ_id::hmac_sha2_384_192: return "HMAC-SHA-384-192 [RFC4868]";
    case integ_id::hmac_sha2_512_256: return "HMAC-SHA-512-256 [RFC4868]";
    default: return nullptr;
  }
}

std::string line(uint32_t spi, const char* encr, const Bytes& encr_key, const char* auth, const Bytes& auth_key) {
  return "\"IPv4\",\"*\",\"*\",\"" + hex32(spi) + "\",\"" + encr + "\",\"" + "0x" + hex_bytes(encr_key) + "\",\"" + auth +
         "\",\"" + (auth_key.empty() ? std::string() : "0x" + hex_bytes(auth_key)) + "\"";
}

}  // namespace

std::vector<std::string> wireshark_esp_sa_lines(const ChildSaKeys& k) {
  const char* encr = k.encr == encr_id::aes_gcm_16 ? "AES-GCM with 16 octet ICV [RFC4106]"
                     : k.encr == encr_id::aes_cbc  ? "AES-CBC [RFC3602]"
                                                   : nullptr;
  const char* auth = k.encr == encr_id::aes_gcm_16 ? "NULL" : auth_name(k.integ);
  if (!encr || !auth) return {};
  const Bytes none;
  const bool aead = k.encr == encr_id::aes_gcm_16;
  return {line(k.spi_in, encr, k.encr_in, auth, aead ? none : k.integ_in),
          line(k.spi_out, encr, k.encr_out, auth, aead ? none : k.integ_out)};
}

}  // namespace vpngw::ike
