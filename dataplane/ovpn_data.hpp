// OpenVPN's AEAD data channel, P_DATA_V2 (OpenVPN's crypto.c openvpn_encrypt_aead):
//
//   op|key_id (1) | peer id (3) | packet id (4) | tag (16) | ciphertext
//   nonce = packet id || 8-byte implicit IV;  AD = the first 8 bytes (op, peer id, packet id)
//
// Packet ids start at 1 and must not wrap (the key is renegotiated long before). Decrypted
// payloads are IP packets, except the 16-byte keepalive ping and the OCC exit notification.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "common/result.hpp"
#include "dataplane/aead.hpp"

namespace vpngw::ovpn {

inline constexpr size_t kDataV2Overhead = 4 + 4 + kAeadTagLen;

// One direction of one key: the cipher context and its implicit IV.
struct DataKey {
  DataKey(Cipher cipher, std::span<const uint8_t> key, std::span<const uint8_t, 8> implicit_iv, AeadDirection dir)
      : aead(cipher, key, dir, AeadContext::BareKey{}) {
    std::copy(implicit_iv.begin(), implicit_iv.end(), iv.begin());
  }
  AeadContext aead;
  std::array<uint8_t, 8> iv{};
};

// Writes the whole datagram into out (at least plaintext.size() + kDataV2Overhead bytes) and
// returns its length, or 0 if the library failed.
size_t seal_data_v2(DataKey& key, uint8_t key_id, uint32_t peer_id, uint32_t packet_id,
                    std::span<const uint8_t> plaintext, std::span<uint8_t> out);

enum class DataError : uint8_t { truncated, bad_tag };
struct Opened {
  uint32_t packet_id = 0;
  std::span<uint8_t> plaintext;  // decrypted in place inside the datagram
};
// The caller has checked the opcode and looked the key up by peer id and key id.
Result<Opened, DataError> open_data_v2(DataKey& key, std::span<uint8_t> datagram);

// OpenVPN's keepalive payload (ping) and the "occ" exit notification (magic + OCC_EXIT).
inline constexpr std::array<uint8_t, 16> kPingMagic = {0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
                                                       0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48};
inline constexpr std::array<uint8_t, 16> kOccMagic = {0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
                                                      0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c};
inline constexpr uint8_t kOccExit = 6;
bool is_ping(std::span<const uint8_t> plaintext);
bool is_occ_exit(std::span<const uint8_t> plaintext);

}  // namespace vpngw::ovpn
