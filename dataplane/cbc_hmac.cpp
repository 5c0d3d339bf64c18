#include "dataplane/cbc_hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <stdexcept>
#include <string>

#include "common/bytes.hpp"

namespace vpngw {
namespace {

constexpr std::array<IntegrityInfo, 4> kIntegrities = {{
    {"sha1", 20, 12},
    {"sha256", 32, 16},
    {"sha384", 48, 24},
    {"sha512", 64, 32},
}};

const char* digest_name(Integrity i) {
  switch (i) {
    case Integrity::hmac_sha1_96: return "SHA1";
    case Integrity::hmac_sha256_128: return "SHA2-256";
    case Integrity::hmac_sha384_192: return "SHA2-384";
    case Integrity::hmac_sha512_256: return "SHA2-512";
  }
  return "SHA1";
}

}  // namespace

const IntegrityInfo& integrity_info(Integrity i) { return kIntegrities[size_t(i)]; }

struct CbcHmacContext::Impl {
  EVP_CIPHER_CTX* cipher = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* iv_cipher = nullptr;  // AES-ECB under the same key, for make_iv
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mac_ctx = nullptr;
  ~Impl() {
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MAC_free(mac);
    EVP_CIPHER_CTX_free(iv_cipher);
    EVP_CIPHER_CTX_free(cipher);
  }
};

CbcHmacContext::CbcHmacContext(std::span<const uint8_t> aes_key, Integrity integ, std::span<const uint8_t> integ_key,
                               bool encrypt)
    : integ_(integ), impl_(std::make_unique<Impl>()) {
  if (aes_key.size() != 16 && aes_key.size() != 32)
    throw std::invalid_argument("AES-CBC key of " + std::to_string(aes_key.size()) + " bytes (16 or 32 expected)");
  if (integ_key.size() != integrity_info(integ).key_len)
    throw std::invalid_argument("HMAC-" + std::string(integrity_info(integ).name) + " key of " +
                                std::to_string(integ_key.size()) + " bytes (" +
                                std::to_string(integrity_info(integ).key_len) + " expected)");
  const EVP_CIPHER* c = aes_key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  if (!impl_->cipher || EVP_CipherInit_ex(impl_->cipher, c, nullptr, aes_key.data(), nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(impl_->cipher, 0) != 1)
    throw std::runtime_error("OpenSSL refused the AES-CBC key");
  if (encrypt) {
    impl_->iv_cipher = EVP_CIPHER_CTX_new();
    const EVP_CIPHER* ecb = aes_key.size() == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb();
    if (!impl_->iv_cipher || EVP_EncryptInit_ex(impl_->iv_cipher, ecb, nullptr, aes_key.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(impl_->iv_cipher, 0) != 1)
      throw std::runtime_error("OpenSSL refused the AES key for IVs");
  }
  impl_->mac_ctx = impl_->mac ? EVP_MAC_CTX_new(impl_->mac) : nullptr;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(integ)), 0),
                         OSSL_PARAM_construct_end()};
  if (!impl_->mac_ctx || EVP_MAC_init(impl_->mac_ctx, integ_key.data(), integ_key.size(), params) != 1)
    throw std::runtime_error("OpenSSL refused the HMAC key");
}

CbcHmacContext::~CbcHmacContext() = default;

bool CbcHmacContext::make_iv(uint64_t seq, uint8_t iv[kCbcBlock]) {
  if (!impl_->iv_cipher) return false;
  uint8_t block[kCbcBlock] = {};
  store_be64(block, seq);
  int len = 0;
  return EVP_EncryptUpdate(impl_->iv_cipher, iv, &len, block, int(kCbcBlock)) == 1 && len == int(kCbcBlock);
}

bool CbcHmacContext::encrypt(const uint8_t iv[kCbcBlock], std::span<uint8_t> data) {
  int len = 0;
  return EVP_CipherInit_ex(impl_->cipher, nullptr, nullptr, nullptr, iv, 1) == 1 &&
         EVP_CipherUpdate(impl_->cipher, data.data(), &len, data.data(), int(data.size())) == 1;
}

bool CbcHmacContext::decrypt(const uint8_t iv[kCbcBlock], std::span<uint8_t> data) {
  int len = 0;
  return EVP_CipherInit_ex(impl_->cipher, nullptr, nullptr, nullptr, iv, 0) == 1 &&
         EVP_CipherUpdate(impl_->cipher, data.data(), &len, data.data(), int(data.size())) == 1;
}

bool CbcHmacContext::icv(std::span<const uint8_t> authenticated, std::optional<uint32_t> seq_hi, uint8_t* out) {
  // Re-initialising with no key keeps the key schedule (OpenSSL 3 HMAC).
  if (EVP_MAC_init(impl_->mac_ctx, nullptr, 0, nullptr) != 1) return false;
  if (EVP_MAC_update(impl_->mac_ctx, authenticated.data(), authenticated.size()) != 1) return false;
  if (seq_hi) {
    uint8_t hi[4];
    store_be32(hi, *seq_hi);
    if (EVP_MAC_update(impl_->mac_ctx, hi, 4) != 1) return false;
  }
  uint8_t full[64];
  size_t len = 0;
  if (EVP_MAC_final(impl_->mac_ctx, full, &len, sizeof full) != 1 || len < icv_len()) return false;
  std::copy(full, full + icv_len(), out);
  return true;
}

bool CbcHmacContext::verify(std::span<const uint8_t> authenticated, std::optional<uint32_t> seq_hi, const uint8_t* received) {
  uint8_t mine[kMaxIcvLen];
  return icv(authenticated, seq_hi, mine) && CRYPTO_memcmp(mine, received, icv_len()) == 0;
}

}  // namespace vpngw
