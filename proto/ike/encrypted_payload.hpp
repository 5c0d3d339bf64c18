// The Encrypted and Authenticated payload (SK) that protects every IKEv2 message after
// IKE_SA_INIT: AES-CBC with an HMAC integrity check (RFC 7296 3.14) or AES-GCM with a 16-byte ICV
// (RFC 5282), through OpenSSL EVP. Sealing builds the whole message; opening checks the ICV
// before it decrypts anything and then the padding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "proto/ike/message.hpp"

namespace vpngw::ike {

// One direction's keys (SK_ei/SK_ai for what the initiator sends, SK_er/SK_ar for the responder).
struct SkKeys {
  uint16_t encr = encr_id::aes_gcm_16;
  uint16_t integ = integ_id::none;  // none for AES-GCM
  std::vector<uint8_t> encr_key;    // AES key, plus the 4-byte salt for GCM
  std::vector<uint8_t> integ_key;
};

// Lengths the negotiated transforms need from prf+ (key plus salt for GCM; 0 integrity for GCM).
size_t encr_key_len(uint16_t encr, uint16_t key_bits);
size_t integ_key_len(uint16_t integ);

// The whole message: header, then one SK payload carrying `inner` (a payload chain).
std::vector<uint8_t> seal_message(Header header, const std::vector<Payload>& inner, const SkKeys& keys);

// The plaintext payload chain of a parsed message whose last payload is SK. `bytes` is the whole
// message as received (the ICV covers the header).
Result<std::vector<Payload>, std::string> open_message(std::span<const uint8_t> bytes, const Message& parsed,
                                                       const SkKeys& keys);

}  // namespace vpngw::ike
