// OpenVPN's "key method 2" messages, the first application data inside each TLS session
// (OpenVPN's ssl.c key_method_2_read/write):
//
//   u32 0 | u8 key method (2) | key source | options string | username | password | peer info
//
// strings are u16 length (counting a trailing NUL) + bytes; the client's key source is a 48-byte
// pre-master secret and two 32-byte randoms, the server's only the two randoms. Peer info is the
// client's "IV_VER=2.6.14\nIV_PROTO=990\nIV_CIPHERS=..." lines. The parser takes the bytes as
// received and never trusts a length field.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace vpngw::ovpn {

inline constexpr size_t kPreMasterLen = 48;
inline constexpr size_t kRandomLen = 32;

struct KeySource {
  std::array<uint8_t, kPreMasterLen> pre_master{};  // client only
  std::array<uint8_t, kRandomLen> random1{};
  std::array<uint8_t, kRandomLen> random2{};
};

struct ClientKeyMessage {
  KeySource source;
  std::string options;  // the client's options string (informational, "V4,dev-type tun,...")
  std::string username;
  std::string password;
  std::map<std::string, std::string> peer_info;  // IV_* variables
};

enum class KeyMethodError : uint8_t {
  truncated,  // the message may still be arriving
  nonzero_prefix,
  unsupported_key_method,
  bad_string,  // a string that lacks its NUL
};
std::string_view key_method_error_name(KeyMethodError e);

// The whole message must be present; returns the number of bytes consumed in `consumed`
// (key method 2 is followed by nothing else until the client's next control message).
Result<ClientKeyMessage, KeyMethodError> parse_client_key_message(std::span<const uint8_t> data,
                                                                  size_t* consumed = nullptr);

// The server's reply: fresh randoms in `source` (pre_master unused), our options string.
std::vector<uint8_t> serialize_server_key_message(const KeySource& source, std::string_view options);
// A client's message (no username or password), for tests and the handshake benchmark.
std::vector<uint8_t> serialize_client_key_message(const KeySource& source, std::string_view options,
                                                  std::string_view peer_info);

// IV_PROTO bits (OpenVPN's ssl.h).
inline constexpr uint32_t kIvProtoDataV2 = 1u << 1;
inline constexpr uint32_t kIvProtoRequestPush = 1u << 2;
inline constexpr uint32_t kIvProtoTlsKeyExport = 1u << 3;
inline constexpr uint32_t kIvProtoCcExitNotify = 1u << 7;

uint32_t iv_proto(const ClientKeyMessage& m);
std::vector<std::string> iv_ciphers(const ClientKeyMessage& m);  // empty when not announced

}  // namespace vpngw::ovpn
