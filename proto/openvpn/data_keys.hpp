// OpenVPN data-channel keys. Both ends derive 256 bytes (OpenVPN's struct key2: two keys of
// 64 cipher + 64 HMAC bytes) either from the TLS keying-material exporter with the label
// "EXPORTER-OpenVPN-datakeys" (tls-ekm, what 2.5+ clients announce with IV_PROTO bit 3) or
// from OpenVPN's legacy TLS 1.0 PRF over the key method 2 randoms and session ids. Key 0 protects
// client -> server, key 1 server -> client; an AEAD cipher uses the first key-length bytes of the
// cipher part and the first 8 bytes of the HMAC part as the implicit IV (nonce = packet id || IV).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "proto/openvpn/key_method.hpp"
#include "dataplane/openvpn_wire.hpp"
#include "dataplane/aead.hpp"

namespace vpngw::ovpn {

inline constexpr size_t kKey2Len = 256;
inline constexpr size_t kImplicitIvLen = 8;
inline constexpr std::string_view kEkmLabel = "EXPORTER-OpenVPN-datakeys";

enum class KeyDerivation : uint8_t { tls_ekm, legacy_prf };

// OpenVPN's cipher names ("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"), case-insensitive.
std::optional<Cipher> data_cipher_from_name(std::string_view name);
std::string_view data_cipher_name(Cipher c);

// The legacy PRF (TLS 1.0's P_MD5 xor P_SHA1 through OpenSSL's TLS1-PRF KDF).
std::optional<std::array<uint8_t, kKey2Len>> derive_key2_prf(const KeySource& client, const KeySource& server,
                                                             SessionId client_sid, SessionId server_sid);

struct DirectionKey {
  std::vector<uint8_t> key;
  std::array<uint8_t, kImplicitIvLen> implicit_iv{};
};
struct DataChannelKeys {
  Cipher cipher = Cipher::aes_gcm_256;
  DirectionKey encrypt;  // server -> client
  DirectionKey decrypt;  // client -> server
};
// The server's view of key2.
DataChannelKeys server_keys(std::span<const uint8_t, kKey2Len> key2, Cipher cipher);

}  // namespace vpngw::ovpn
