#include "proto/openvpn/data_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "common/bytes.hpp"

namespace vpngw::ovpn {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// TLS 1.0 PRF: P_MD5(S1, label || seed) xor P_SHA1(S2, label || seed).
bool tls1_prf(std::span<const uint8_t> secret, std::span<const uint8_t> label_and_seed, std::span<uint8_t> out) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  if (!kdf) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) return false;
  char digest[] = "MD5-SHA1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<uint8_t*>(label_and_seed.data()),
                                        label_and_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

std::vector<uint8_t> seed(std::string_view label, std::span<const uint8_t> client, std::span<const uint8_t> server) {
  std::vector<uint8_t> s(label.begin(), label.end());
  s.insert(s.end(), client.begin(), client.end());
  s.insert(s.end(), server.begin(), server.end());
  return s;
}

}  // namespace

std::optional<Cipher> data_cipher_from_name(std::string_view name) {
  const std::string n = upper(name);
  if (n == "AES-256-GCM") return Cipher::aes_gcm_256;
  if (n == "AES-128-GCM") return Cipher::aes_gcm_128;
  if (n == "CHACHA20-POLY1305") return Cipher::chacha20_poly1305;
  return std::nullopt;
}

std::string_view data_cipher_name(Cipher c) {
  switch (c) {
    case Cipher::aes_gcm_256: return "AES-256-GCM";
    case Cipher::aes_gcm_128: return "AES-128-GCM";
    case Cipher::chacha20_poly1305: return "CHACHA20-POLY1305";
  }
  return "?";
}

std::optional<std::array<uint8_t, kKey2Len>> derive_key2_prf(const KeySource& client, const KeySource& server,
                                                             SessionId client_sid, SessionId server_sid) {
  std::array<uint8_t, 48> master{};
  if (!tls1_prf(client.pre_master, seed("OpenVPN master secret", client.random1, server.random1), master)) {
    return std::nullopt;
  }
  std::vector<uint8_t> s = seed("OpenVPN key expansion", client.random2, server.random2);
  uint8_t sids[16];
  store_be64(sids, client_sid);
  store_be64(sids + 8, server_sid);
  s.insert(s.end(), sids, sids + 16);
  std::array<uint8_t, kKey2Len> key2{};
  if (!tls1_prf(master, s, key2)) return std::nullopt;
  return key2;
}

DataChannelKeys server_keys(std::span<const uint8_t, kKey2Len> key2, Cipher cipher) {
  const size_t key_len = cipher_info(cipher).key_len;
  auto direction = [&](size_t index) {
    const uint8_t* k = key2.data() + index * 128;
    DirectionKey d;
    d.key.assign(k, k + key_len);
    std::copy_n(k + 64, kImplicitIvLen, d.implicit_iv.begin());
    return d;
  };
  return DataChannelKeys{cipher, direction(1), direction(0)};
}

}  // namespace vpngw::ovpn
