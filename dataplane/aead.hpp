// The AEAD transforms ESP uses: AES-GCM-16 (RFC 4106, OpenSSL EVP) and ChaCha20-Poly1305
// (RFC 7634, libsodium). Key material is given as the IKE/xfrm KEYMAT: key followed by a 4-byte
// salt; the per-packet nonce is salt || 8-byte explicit IV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace vpngw {

enum class Cipher : uint8_t { aes_gcm_128, aes_gcm_256, chacha20_poly1305 };

inline constexpr size_t kAeadSaltLen = 4;
inline constexpr size_t kAeadIvLen = 8;
inline constexpr size_t kAeadTagLen = 16;

struct CipherInfo {
  std::string_view name;     // our canonical name, as strongSwan spells it
  std::string_view xfrm;     // the algorithm name `ip xfrm state` takes
  size_t key_len;            // without the salt
};
const CipherInfo& cipher_info(Cipher c);
// Accepts our names and the xfrm names ("rfc4106(gcm(aes))" needs key_bits to pick 128/256).
std::optional<Cipher> cipher_from_name(std::string_view name, size_t keymat_bytes);

enum class AeadDirection : uint8_t { seal, open };

// One SA's cipher state. The key schedule runs once here, never per packet. Not thread-safe: a
// context belongs to the one worker that owns the SA's direction.
class AeadContext {
 public:
  // Throws std::invalid_argument when keymat has the wrong length for the cipher.
  AeadContext(Cipher cipher, std::span<const uint8_t> keymat, AeadDirection dir);
  // A bare key (no salt) for protocols that build the whole 12-byte nonce themselves (OpenVPN:
  // packet id || implicit IV); use seal_nonce/open_nonce with it.
  struct BareKey {};
  AeadContext(Cipher cipher, std::span<const uint8_t> key, AeadDirection dir, BareKey);
  ~AeadContext();
  AeadContext(const AeadContext&) = delete;
  AeadContext& operator=(const AeadContext&) = delete;

  Cipher cipher() const { return cipher_; }

  // Encrypts data in place and writes the 16-byte tag. False only if the library fails.
  bool seal(const uint8_t iv[kAeadIvLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
            uint8_t tag[kAeadTagLen]);
  // Verifies the tag and decrypts in place. False when authentication fails; data is then garbage.
  bool open(const uint8_t iv[kAeadIvLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
            const uint8_t tag[kAeadTagLen]);

  static constexpr size_t kNonceLen = 12;
  bool seal_nonce(const uint8_t nonce[kNonceLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
                  uint8_t tag[kAeadTagLen]);
  bool open_nonce(const uint8_t nonce[kNonceLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
                  const uint8_t tag[kAeadTagLen]);

 private:
  void init_key(std::span<const uint8_t> key, AeadDirection dir);
  void nonce(const uint8_t iv[kAeadIvLen], uint8_t out[12]) const;

  Cipher cipher_;
  uint8_t salt_[kAeadSaltLen];
  uint8_t chacha_key_[32] = {};  // libsodium takes the raw key each call
  struct EvpCtx;
  std::unique_ptr<EvpCtx> evp_;  // OpenSSL GCM context with the key schedule done
};

}  // namespace vpngw
