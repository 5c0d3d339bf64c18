// The non-AEAD ESP transforms AWS accepts: AES-CBC (RFC 3602) for confidentiality and a truncated
// HMAC (RFC 2404 SHA-1-96, RFC 4868 SHA-256-128 / SHA-384-192 / SHA-512-256) for integrity,
// encrypt-then-MAC as RFC 4303 3.3.2 orders them. OpenSSL does both; the key schedules run once
// per SA here, never per packet. Not thread-safe: one context per SA direction, like AeadContext.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace vpngw {

enum class Integrity : uint8_t { hmac_sha1_96, hmac_sha256_128, hmac_sha384_192, hmac_sha512_256 };

struct IntegrityInfo {
  std::string_view name;  // strongSwan's spelling
  size_t key_len;
  size_t icv_len;  // the truncated MAC on the wire
};
const IntegrityInfo& integrity_info(Integrity i);

inline constexpr size_t kCbcBlock = 16;  // also the explicit IV's length
inline constexpr size_t kMaxIcvLen = 32;

class CbcHmacContext {
 public:
  // Throws std::invalid_argument when a key has the wrong length.
  CbcHmacContext(std::span<const uint8_t> aes_key, Integrity integ, std::span<const uint8_t> integ_key, bool encrypt);
  ~CbcHmacContext();
  CbcHmacContext(const CbcHmacContext&) = delete;
  CbcHmacContext& operator=(const CbcHmacContext&) = delete;

  size_t icv_len() const { return integrity_info(integ_).icv_len; }

  // The explicit IV for the packet with this sequence number: CBC needs IVs an attacker cannot
  // predict (RFC 3602 2.3), which the encrypted sequence number is (NIST SP 800-38A appendix C,
  // method 1: IV = CIPH_K(nonce) under the SA's own key), at the cost of one AES block instead of
  // a call into the random generator (about 1.7 us here). Encrypting contexts only.
  bool make_iv(uint64_t seq, uint8_t iv[kCbcBlock]);
  // data: whole blocks, transformed in place. False only if the library fails.
  bool encrypt(const uint8_t iv[kCbcBlock], std::span<uint8_t> data);
  bool decrypt(const uint8_t iv[kCbcBlock], std::span<uint8_t> data);
  // The ICV over the ESP header, IV and ciphertext, plus the high sequence bits with ESN (RFC 4303
  // 2.2.1: they count for the ICV but are not sent).
  bool icv(std::span<const uint8_t> authenticated, std::optional<uint32_t> seq_hi, uint8_t* out);
  // Constant-time comparison against the received ICV.
  bool verify(std::span<const uint8_t> authenticated, std::optional<uint32_t> seq_hi, const uint8_t* received);

 private:
  Integrity integ_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpngw
