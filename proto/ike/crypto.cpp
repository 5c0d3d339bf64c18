#include "proto/ike/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include <cstring>

#include "proto/ike/message.hpp"

namespace vpngw::ike {
namespace {

const EVP_MD* md(PrfAlg a) {
  switch (a) {
    case PrfAlg::hmac_sha1: return EVP_sha1();
    case PrfAlg::hmac_sha256: return EVP_sha256();
    case PrfAlg::hmac_sha384: return EVP_sha384();
    case PrfAlg::hmac_sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyDeleter>;

// MODP (RFC 3526) and ECP (RFC 5903) groups through OpenSSL 3's named groups.
class OpensslDh : public DiffieHellman {
 public:
  OpensslDh(uint16_t group, const char* algorithm, const char* name, size_t len, bool ec)
      : group_(group), algorithm_(algorithm), name_(name), len_(len), ec_(ec) {
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
    EVP_PKEY* key = nullptr;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0 ||
        EVP_PKEY_generate(ctx.get(), &key) <= 0)
      throw std::runtime_error(std::string("DH key generation failed for ") + name);
    key_.reset(key);
    if (ec_) {
      // OpenSSL encodes 0x04 | x | y; IKE sends x | y (RFC 5903 7).
      uint8_t buf[1 + 2 * 66];
      size_t n = 0;
      EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &n);
      public_.assign(buf + 1, buf + n);
    } else {
      BIGNUM* pub = nullptr;
      EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, &pub);
      public_.resize(len_);
      BN_bn2binpad(pub, public_.data(), int(len_));  // fixed length, zero-padded on the left
      BN_free(pub);
    }
  }
  uint16_t group() const override { return group_; }
  const Bytes& public_value() const override { return public_; }

  Result<Bytes, std::string> shared_secret(std::span<const uint8_t> peer) override {
    const size_t want = ec_ ? 2 * len_ : len_;
    if (peer.size() != want)
      return Unexpected(std::string("KE data of ") + std::to_string(peer.size()) + " bytes for group " +
                        std::to_string(group_) + " (expected " + std::to_string(want) + ")");
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name_, 0);
    Bytes encoded;
    BIGNUM* bn = nullptr;
    if (ec_) {
      encoded.push_back(0x04);
      encoded.insert(encoded.end(), peer.begin(), peer.end());
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(), encoded.size());
    } else {
      bn = BN_bin2bn(peer.data(), int(peer.size()), nullptr);
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bn);
    }
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    PkeyCtx from(EVP_PKEY_CTX_new_from_name(nullptr, algorithm_, nullptr));
    EVP_PKEY* peer_key = nullptr;
    const bool built = from && EVP_PKEY_fromdata_init(from.get()) > 0 &&
                       EVP_PKEY_fromdata(from.get(), &peer_key, EVP_PKEY_PUBLIC_KEY, params) > 0;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    if (!built) return Unexpected(std::string("peer's KE data is not a key of group ") + std::to_string(group_));
    Pkey peer_pkey(peer_key);
    PkeyCtx derive(EVP_PKEY_CTX_new(key_.get(), nullptr));
    Bytes secret(len_);
    size_t n = secret.size();
    // The peer's value is checked (range, on-curve) by OpenSSL; DH keeps leading zeros (pad).
    if (!derive || EVP_PKEY_derive_init(derive.get()) <= 0 ||
        (!ec_ && EVP_PKEY_CTX_set_dh_pad(derive.get(), 1) <= 0) ||
        EVP_PKEY_derive_set_peer_ex(derive.get(), peer_pkey.get(), 1) <= 0 ||
        EVP_PKEY_derive(derive.get(), secret.data(), &n) <= 0)
      return Unexpected(std::string("peer's KE data was refused by the DH check for group ") + std::to_string(group_));
    secret.resize(n);
    return secret;
  }

 private:
  uint16_t group_;
  const char* algorithm_;
  const char* name_;
  size_t len_;
  bool ec_;
  Pkey key_;
  Bytes public_;
};

class Curve25519Dh : public DiffieHellman {
 public:
  Curve25519Dh() {
    randombytes_buf(secret_, sizeof secret_);
    public_.resize(crypto_scalarmult_BYTES);
    crypto_scalarmult_base(public_.data(), secret_);
  }
  ~Curve25519Dh() override { sodium_memzero(secret_, sizeof secret_); }
  uint16_t group() const override { return dh_group::curve25519; }
  const Bytes& public_value() const override { return public_; }
  Result<Bytes, std::string> shared_secret(std::span<const uint8_t> peer) override {
    if (peer.size() != crypto_scalarmult_BYTES)
      return Unexpected("Curve25519 KE data of " + std::to_string(peer.size()) + " bytes (expected 32)");
    Bytes out(crypto_scalarmult_BYTES);
    // RFC 8031 2.3: an all-zero result (a low-order peer point) must be refused.
    if (crypto_scalarmult(out.data(), secret_, peer.data()) != 0) return Unexpected(std::string("Curve25519 result is all zero"));
    return out;
  }

 private:
  uint8_t secret_[crypto_scalarmult_SCALARBYTES];
  Bytes public_;
};

}  // namespace

std::optional<PrfAlg> prf_from_transform(uint16_t id) {
  switch (id) {
    case prf_id::hmac_sha1: return PrfAlg::hmac_sha1;
    case prf_id::hmac_sha2_256: return PrfAlg::hmac_sha256;
    case prf_id::hmac_sha2_384: return PrfAlg::hmac_sha384;
    case prf_id::hmac_sha2_512: return PrfAlg::hmac_sha512;
    default: return std::nullopt;
  }
}

size_t prf_output_len(PrfAlg a) { return size_t(EVP_MD_get_size(md(a))); }

Bytes prf(PrfAlg a, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  HMAC(md(a), key.data(), int(key.size()), data.data(), data.size(), out.data(), &len);
  out.resize(len);
  return out;
}

Bytes prf_plus(PrfAlg a, std::span<const uint8_t> key, std::span<const uint8_t> seed, size_t len) {
  Bytes out, t, input;
  for (uint8_t n = 1; out.size() < len; ++n) {
    input.assign(t.begin(), t.end());
    input.insert(input.end(), seed.begin(), seed.end());
    input.push_back(n);
    t = prf(a, key, input);
    out.insert(out.end(), t.begin(), t.end());
    if (n == 255) break;  // prf+ is defined for at most 255 blocks
  }
  out.resize(std::min(len, out.size()));
  return out;
}

namespace {

// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
IkeKeys expand_ike_keys(PrfAlg a, const Bytes& skeyseed, const Bytes& nonces, uint64_t spi_i, uint64_t spi_r,
                        size_t integ_len, size_t encr_len) {
  Bytes seed = nonces;
  for (uint64_t spi : {spi_i, spi_r})
    for (int i = 7; i >= 0; --i) seed.push_back(uint8_t(spi >> (8 * i)));
  const size_t prf_len = prf_output_len(a);
  const Bytes km = prf_plus(a, skeyseed, seed, 3 * prf_len + 2 * integ_len + 2 * encr_len);
  IkeKeys k;
  size_t at = 0;
  auto take = [&](size_t n) {
    Bytes b(km.begin() + long(at), km.begin() + long(at + n));
    at += n;
    return b;
  };
  k.sk_d = take(prf_len);
  k.sk_ai = take(integ_len);
  k.sk_ar = take(integ_len);
  k.sk_ei = take(encr_len);
  k.sk_er = take(encr_len);
  k.sk_pi = take(prf_len);
  k.sk_pr = take(prf_len);
  return k;
}

}  // namespace

IkeKeys derive_ike_keys(PrfAlg a, std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                        std::span<const uint8_t> shared_secret, uint64_t spi_i, uint64_t spi_r, size_t integ_len,
                        size_t encr_len) {
  Bytes nonces(ni.begin(), ni.end());
  nonces.insert(nonces.end(), nr.begin(), nr.end());
  return expand_ike_keys(a, prf(a, nonces, shared_secret), nonces, spi_i, spi_r, integ_len, encr_len);
}

IkeKeys derive_rekeyed_ike_keys(PrfAlg old_prf, std::span<const uint8_t> old_sk_d, PrfAlg new_prf,
                                std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                                std::span<const uint8_t> shared_secret, uint64_t spi_i, uint64_t spi_r,
                                size_t integ_len, size_t encr_len) {
  Bytes nonces(ni.begin(), ni.end());
  nonces.insert(nonces.end(), nr.begin(), nr.end());
  Bytes data(shared_secret.begin(), shared_secret.end());
  data.insert(data.end(), nonces.begin(), nonces.end());
  return expand_ike_keys(new_prf, prf(old_prf, old_sk_d, data), nonces, spi_i, spi_r, integ_len, encr_len);
}

Bytes psk_auth(PrfAlg a, std::string_view psk, std::span<const uint8_t> first_message,
               std::span<const uint8_t> peer_nonce, std::span<const uint8_t> sk_p, std::span<const uint8_t> id_body) {
  static constexpr std::string_view kPad = "Key Pad for IKEv2";
  const Bytes key = prf(a, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(psk.data()), psk.size()),
                        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kPad.data()), kPad.size()));
  Bytes octets(first_message.begin(), first_message.end());
  octets.insert(octets.end(), peer_nonce.begin(), peer_nonce.end());
  const Bytes mac_id = prf(a, sk_p, id_body);
  octets.insert(octets.end(), mac_id.begin(), mac_id.end());
  return prf(a, key, octets);
}

std::unique_ptr<DiffieHellman> DiffieHellman::create(uint16_t group) {
  switch (group) {
    case dh_group::modp2048: return std::make_unique<OpensslDh>(group, "DH", "modp_2048", 256, false);
    case dh_group::modp3072: return std::make_unique<OpensslDh>(group, "DH", "modp_3072", 384, false);
    case dh_group::modp4096: return std::make_unique<OpensslDh>(group, "DH", "modp_4096", 512, false);
    case dh_group::modp6144: return std::make_unique<OpensslDh>(group, "DH", "modp_6144", 768, false);
    case dh_group::modp8192: return std::make_unique<OpensslDh>(group, "DH", "modp_8192", 1024, false);
    case dh_group::ecp256: return std::make_unique<OpensslDh>(group, "EC", "P-256", 32, true);
    case dh_group::ecp384: return std::make_unique<OpensslDh>(group, "EC", "P-384", 48, true);
    case dh_group::ecp521: return std::make_unique<OpensslDh>(group, "EC", "P-521", 66, true);
    case dh_group::curve25519: return std::make_unique<Curve25519Dh>();
    default: return nullptr;
  }
}

}  // namespace vpngw::ike
