#include "proto/ike/encrypted_payload.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>

#include "common/bytes.hpp"

namespace vpngw::ike {
namespace {

constexpr size_t kGcmIv = 8, kGcmTag = 16, kGcmSalt = 4, kCbcBlock = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* gcm(size_t key_len) {
  return key_len == 16 ? EVP_aes_128_gcm() : key_len == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
}
const EVP_CIPHER* cbc(size_t key_len) {
  return key_len == 16 ? EVP_aes_128_cbc() : key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
}
const EVP_MD* integ_md(uint16_t integ) {
  switch (integ) {
    case integ_id::hmac_sha1_96: return EVP_sha1();
    case integ_id::hmac_sha2_256_128: return EVP_sha256();
    case integ_id::hmac_sha2_384_192: return EVP_sha384();
    case integ_id::hmac_sha2_512_256: return EVP_sha512();
    default: return nullptr;
  }
}
size_t icv_len(uint16_t integ) {
  switch (integ) {
    case integ_id::hmac_sha1_96: return 12;
    case integ_id::hmac_sha2_256_128: return 16;
    case integ_id::hmac_sha2_384_192: return 24;
    case integ_id::hmac_sha2_512_256: return 32;
    default: return 0;
  }
}

std::vector<uint8_t> hmac(uint16_t integ, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned n = 0;
  HMAC(integ_md(integ), key.data(), int(key.size()), data.data(), data.size(), out.data(), &n);
  out.resize(icv_len(integ));
  return out;
}

}  // namespace

size_t encr_key_len(uint16_t encr, uint16_t key_bits) {
  return key_bits / 8 + (encr == encr_id::aes_gcm_16 ? kGcmSalt : 0);
}

size_t integ_key_len(uint16_t integ) {
  const EVP_MD* m = integ_md(integ);
  return m ? size_t(EVP_MD_get_size(m)) : 0;
}

std::vector<uint8_t> seal_message(Header header, const std::vector<Payload>& inner, const SkKeys& keys) {
  const bool aead = keys.encr == encr_id::aes_gcm_16;
  std::vector<uint8_t> plain = encode_payload_chain(inner);
  // Padding: none needed for GCM; to a whole block for CBC. The last byte is the pad length.
  size_t pad = aead ? 0 : (kCbcBlock - (plain.size() + 1) % kCbcBlock) % kCbcBlock;
  plain.insert(plain.end(), pad, 0);
  plain.push_back(uint8_t(pad));
  const size_t iv_len = aead ? kGcmIv : kCbcBlock;
  const size_t tag_len = aead ? kGcmTag : icv_len(keys.integ);
  std::vector<uint8_t> iv(iv_len);
  RAND_bytes(iv.data(), int(iv.size()));

  // Header and SK payload header first: they are the AAD (GCM) or under the ICV (CBC).
  std::vector<Payload> placeholder{{payload::sk, false, std::vector<uint8_t>(iv_len + plain.size() + tag_len)}};
  std::vector<uint8_t> msg = encode_message(header, placeholder);
  msg[kHeaderLen] = inner.empty() ? 0 : inner.front().type;  // SK's next payload: its first inner one
  const size_t body = kHeaderLen + 4;
  std::copy(iv.begin(), iv.end(), msg.begin() + long(body));
  uint8_t* ct = msg.data() + body + iv_len;
  uint8_t* tag = ct + plain.size();

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (aead) {
    const size_t key_len = keys.encr_key.size() - kGcmSalt;
    uint8_t nonce[12];
    std::copy(keys.encr_key.end() - kGcmSalt, keys.encr_key.end(), nonce);
    std::copy(iv.begin(), iv.end(), nonce + kGcmSalt);
    EVP_EncryptInit_ex(ctx.get(), gcm(key_len), nullptr, keys.encr_key.data(), nonce);
    EVP_EncryptUpdate(ctx.get(), nullptr, &n, msg.data(), int(body));
    EVP_EncryptUpdate(ctx.get(), ct, &n, plain.data(), int(plain.size()));
    EVP_EncryptFinal_ex(ctx.get(), ct + n, &n);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kGcmTag), tag);
  } else {
    EVP_EncryptInit_ex(ctx.get(), cbc(keys.encr_key.size()), nullptr, keys.encr_key.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    EVP_EncryptUpdate(ctx.get(), ct, &n, plain.data(), int(plain.size()));
    EVP_EncryptFinal_ex(ctx.get(), ct + n, &n);
    const auto icv = hmac(keys.integ, keys.integ_key, std::span<const uint8_t>(msg.data(), size_t(tag - msg.data())));
    std::copy(icv.begin(), icv.end(), tag);
  }
  return msg;
}

Result<std::vector<Payload>, std::string> open_message(std::span<const uint8_t> bytes, const Message& parsed,
                                                       const SkKeys& keys) {
  if (parsed.payloads.empty() || parsed.payloads.back().type != payload::sk)
    return Unexpected(std::string("message has no SK payload"));
  const auto& sk = parsed.payloads.back().body;
  const size_t body = parsed.header.length - sk.size();  // SK is last
  const bool aead = keys.encr == encr_id::aes_gcm_16;
  const size_t iv_len = aead ? kGcmIv : kCbcBlock;
  const size_t tag_len = aead ? kGcmTag : icv_len(keys.integ);
  if (sk.size() < iv_len + tag_len + (aead ? 1 : kCbcBlock))
    return Unexpected("SK payload of " + std::to_string(sk.size()) + " bytes is too short");
  const size_t ct_len = sk.size() - iv_len - tag_len;
  if (!aead && ct_len % kCbcBlock != 0)
    return Unexpected("SK ciphertext of " + std::to_string(ct_len) + " bytes is not whole AES blocks");
  const uint8_t* iv = sk.data();
  const uint8_t* ct = iv + iv_len;
  const uint8_t* tag = ct + ct_len;
  std::vector<uint8_t> plain(ct_len + kCbcBlock);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int n = 0, m = 0;
  if (aead) {
    const size_t key_len = keys.encr_key.size() - kGcmSalt;
    uint8_t nonce[12];
    std::copy(keys.encr_key.end() - kGcmSalt, keys.encr_key.end(), nonce);
    std::copy(iv, iv + kGcmIv, nonce + kGcmSalt);
    EVP_DecryptInit_ex(ctx.get(), gcm(key_len), nullptr, keys.encr_key.data(), nonce);
    EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes.data(), int(body));
    EVP_DecryptUpdate(ctx.get(), plain.data(), &n, ct, int(ct_len));
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kGcmTag), const_cast<uint8_t*>(tag));
    if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + n, &m) <= 0)
      return Unexpected(std::string("SK integrity check failed (AES-GCM tag)"));
  } else {
    // The ICV covers the message from the IKE header through the ciphertext.
    const auto icv = hmac(keys.integ, keys.integ_key, bytes.first(body + iv_len + ct_len));
    if (CRYPTO_memcmp(icv.data(), tag, tag_len) != 0) return Unexpected(std::string("SK integrity check failed (HMAC)"));
    EVP_DecryptInit_ex(ctx.get(), cbc(keys.encr_key.size()), nullptr, keys.encr_key.data(), iv);
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    EVP_DecryptUpdate(ctx.get(), plain.data(), &n, ct, int(ct_len));
    EVP_DecryptFinal_ex(ctx.get(), plain.data() + n, &m);
  }
  plain.resize(ct_len);
  const size_t pad = plain.back();
  if (pad + 1 > plain.size()) return Unexpected("SK pad length " + std::to_string(pad) + " exceeds the plaintext");
  plain.resize(plain.size() - pad - 1);
  auto chain = parse_payload_chain(parsed.sk_first_inner, plain);
  if (!chain) return Unexpected("inside SK: " + chain.error().what);
  return chain.value();
}

}  // namespace vpngw::ike
