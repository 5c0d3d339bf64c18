#include "dataplane/aead.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace vpngw {
namespace {

constexpr CipherInfo kCiphers[] = {
    {"aes128gcm16", "rfc4106(gcm(aes))", 16},
    {"aes256gcm16", "rfc4106(gcm(aes))", 32},
    {"chacha20poly1305", "rfc7539esp(chacha20,poly1305)", 32},
};

}  // namespace

const CipherInfo& cipher_info(Cipher c) { return kCiphers[size_t(c)]; }

std::optional<Cipher> cipher_from_name(std::string_view name, size_t keymat_bytes) {
  if (name == "aes128gcm16" || name == "aes-128-gcm") return Cipher::aes_gcm_128;
  if (name == "aes256gcm16" || name == "aes-256-gcm") return Cipher::aes_gcm_256;
  if (name == "chacha20poly1305" || name == "rfc7539esp(chacha20,poly1305)") return Cipher::chacha20_poly1305;
  if (name == "rfc4106(gcm(aes))") {
    if (keymat_bytes == 16 + kAeadSaltLen) return Cipher::aes_gcm_128;
    if (keymat_bytes == 32 + kAeadSaltLen) return Cipher::aes_gcm_256;
  }
  return std::nullopt;
}

struct AeadContext::EvpCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~EvpCtx() { EVP_CIPHER_CTX_free(ctx); }
};

AeadContext::AeadContext(Cipher cipher, std::span<const uint8_t> keymat, AeadDirection dir)
    : cipher_(cipher) {
  const CipherInfo& info = cipher_info(cipher);
  if (keymat.size() != info.key_len + kAeadSaltLen) {
    throw std::invalid_argument(std::string(info.name) + " needs " +
                                std::to_string(info.key_len + kAeadSaltLen) + " bytes of key material (" +
                                std::to_string(info.key_len) + " key + 4 salt), got " +
                                std::to_string(keymat.size()));
  }
  std::memcpy(salt_, keymat.data() + info.key_len, kAeadSaltLen);
  init_key(keymat.first(info.key_len), dir);
}

AeadContext::AeadContext(Cipher cipher, std::span<const uint8_t> key, AeadDirection dir, BareKey)
    : cipher_(cipher), salt_{} {
  const CipherInfo& info = cipher_info(cipher);
  if (key.size() != info.key_len) {
    throw std::invalid_argument(std::string(info.name) + " needs a " + std::to_string(info.key_len) +
                                "-byte key, got " + std::to_string(key.size()));
  }
  init_key(key, dir);
}

void AeadContext::init_key(std::span<const uint8_t> key, AeadDirection dir) {
  if (cipher_ == Cipher::chacha20_poly1305) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    std::memcpy(chacha_key_, key.data(), 32);
    return;
  }
  evp_ = std::make_unique<EvpCtx>();
  const EVP_CIPHER* evp_cipher = cipher_ == Cipher::aes_gcm_128 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  if (!evp_->ctx || EVP_CipherInit_ex(evp_->ctx, evp_cipher, nullptr, key.data(), nullptr,
                                      dir == AeadDirection::seal ? 1 : 0) != 1) {
    throw std::runtime_error("OpenSSL refused the AES-GCM key");
  }
}

AeadContext::~AeadContext() { sodium_memzero(chacha_key_, sizeof chacha_key_); }

void AeadContext::nonce(const uint8_t iv[kAeadIvLen], uint8_t out[12]) const {
  std::memcpy(out, salt_, kAeadSaltLen);
  std::memcpy(out + kAeadSaltLen, iv, kAeadIvLen);
}

bool AeadContext::seal(const uint8_t iv[kAeadIvLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
                       uint8_t tag[kAeadTagLen]) {
  uint8_t n[kNonceLen];
  nonce(iv, n);
  return seal_nonce(n, aad, data, tag);
}

bool AeadContext::open(const uint8_t iv[kAeadIvLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
                       const uint8_t tag[kAeadTagLen]) {
  uint8_t n[kNonceLen];
  nonce(iv, n);
  return open_nonce(n, aad, data, tag);
}

bool AeadContext::seal_nonce(const uint8_t n[kNonceLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
                             uint8_t tag[kAeadTagLen]) {
  if (cipher_ == Cipher::chacha20_poly1305) {
    unsigned long long tag_len = 0;
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(data.data(), tag, &tag_len, data.data(), data.size(),
                                                              aad.data(), aad.size(), nullptr, n,
                                                              chacha_key_) == 0;
  }
  EVP_CIPHER_CTX* c = evp_->ctx;
  int len = 0;
  if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, n, 1) != 1) return false;
  if (!aad.empty() && EVP_CipherUpdate(c, nullptr, &len, aad.data(), int(aad.size())) != 1) return false;
  if (!data.empty() && EVP_CipherUpdate(c, data.data(), &len, data.data(), int(data.size())) != 1) return false;
  if (EVP_CipherFinal_ex(c, data.data() + data.size(), &len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, kAeadTagLen, tag) == 1;
}

bool AeadContext::open_nonce(const uint8_t n[kNonceLen], std::span<const uint8_t> aad, std::span<uint8_t> data,
                             const uint8_t tag[kAeadTagLen]) {
  if (cipher_ == Cipher::chacha20_poly1305) {
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data.data(), nullptr, data.data(), data.size(), tag,
                                                              aad.data(), aad.size(), n, chacha_key_) == 0;
  }
  EVP_CIPHER_CTX* c = evp_->ctx;
  int len = 0;
  if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, n, 0) != 1) return false;
  if (!aad.empty() && EVP_CipherUpdate(c, nullptr, &len, aad.data(), int(aad.size())) != 1) return false;
  if (!data.empty() && EVP_CipherUpdate(c, data.data(), &len, data.data(), int(data.size())) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, kAeadTagLen, const_cast<uint8_t*>(tag)) != 1) return false;
  return EVP_CipherFinal_ex(c, data.data() + data.size(), &len) == 1;
}

}  // namespace vpngw
