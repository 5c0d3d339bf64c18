// IKEv2 key material (RFC 7296 2.13-2.15) and Diffie-Hellman, through OpenSSL and libsodium (no
// primitive of our own): the negotiated PRF, prf+, SKEYSEED and the seven SK_* keys, the PSK AUTH
// value, Child SA KEYMAT, and DH groups 14-18 (MODP), 19-21 (ECP, RFC 5903 encoding) and 31
// (Curve25519, RFC 8031).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace vpngw::ike {

using Bytes = std::vector<uint8_t>;

enum class PrfAlg : uint8_t { hmac_sha1, hmac_sha256, hmac_sha384, hmac_sha512 };
std::optional<PrfAlg> prf_from_transform(uint16_t id);
size_t prf_output_len(PrfAlg a);

Bytes prf(PrfAlg a, std::span<const uint8_t> key, std::span<const uint8_t> data);
// prf+ (RFC 7296 2.13): T1 | T2 | ... with Tn = prf(K, Tn-1 | S | n), cut to `len` bytes.
Bytes prf_plus(PrfAlg a, std::span<const uint8_t> key, std::span<const uint8_t> seed, size_t len);

struct IkeKeys {
  Bytes sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};
// SKEYSEED = prf(Ni | Nr, g^ir); keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). `encr_len` includes
// an AEAD salt; `integ_len` is 0 for AEAD ciphers.
IkeKeys derive_ike_keys(PrfAlg a, std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                        std::span<const uint8_t> shared_secret, uint64_t spi_i, uint64_t spi_r, size_t integ_len,
                        size_t encr_len);

// AUTH for a pre-shared key (RFC 7296 2.15):
//   prf(prf(PSK, "Key Pad for IKEv2"), <message> | <peer's nonce> | prf(SK_p, <ID payload body>))
// An IKE SA rekey (RFC 7296 2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old
// SA's PRF, then the same prf+ expansion with the new SA's PRF and SPIs (i: the rekey's initiator).
IkeKeys derive_rekeyed_ike_keys(PrfAlg old_prf, std::span<const uint8_t> old_sk_d, PrfAlg new_prf,
                                std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                                std::span<const uint8_t> shared_secret, uint64_t spi_i, uint64_t spi_r,
                                size_t integ_len, size_t encr_len);

Bytes psk_auth(PrfAlg a, std::string_view psk, std::span<const uint8_t> first_message,
               std::span<const uint8_t> peer_nonce, std::span<const uint8_t> sk_p,
               std::span<const uint8_t> id_body);

class DiffieHellman {
 public:
  virtual ~DiffieHellman() = default;
  // nullptr for a group we do not offer.
  static std::unique_ptr<DiffieHellman> create(uint16_t group);
  virtual uint16_t group() const = 0;
  // The KE payload's key data for our half.
  virtual const Bytes& public_value() const = 0;
  // g^ir from the peer's key data; an error names what is wrong with it.
  virtual Result<Bytes, std::string> shared_secret(std::span<const uint8_t> peer) = 0;
};

}  // namespace vpngw::ike
