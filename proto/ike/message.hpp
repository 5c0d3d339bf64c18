// IKEv2 messages (RFC 7296 section 3) as a codec on byte spans, no I/O and no crypto: the header,
// the payload chain, and typed views of the payloads a route-based PSK tunnel needs (SA, KE, ID,
// AUTH, Nonce, Notify, Delete, TS). The SK payload stays opaque here; proto/ike/crypto.hpp opens
// and seals it, and its plaintext is parsed with parse_payload_chain().
//
// Parsers never trust a length field: every error is a ParseError naming the payload and field.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/result.hpp"

namespace vpngw::ike {

enum class Exchange : uint8_t { ike_sa_init = 34, ike_auth = 35, create_child_sa = 36, informational = 37 };

namespace payload {
enum : uint8_t { none = 0, sa = 33, ke = 34, idi = 35, idr = 36, cert = 37, certreq = 38, auth = 39, nonce = 40,
                 notify = 41, del = 42, vendor = 43, tsi = 44, tsr = 45, sk = 46, cp = 47, eap = 48 };
}

namespace notify {
enum : uint16_t { unsupported_critical_payload = 1, invalid_ike_spi = 4, invalid_major_version = 5,
                  invalid_syntax = 7, invalid_message_id = 9, invalid_spi = 11, no_proposal_chosen = 14,
                  invalid_ke_payload = 17, authentication_failed = 24, single_pair_required = 34,
                  no_additional_sas = 35, internal_address_failure = 36, failed_cp_required = 37,
                  ts_unacceptable = 38, temporary_failure = 43, child_sa_not_found = 44,
                  initial_contact = 16384, nat_detection_source_ip = 16388,
                  nat_detection_destination_ip = 16389, cookie = 16390, use_transport_mode = 16391,
                  rekey_sa = 16393, esp_tfc_padding_not_supported = 16394, non_first_fragments_also = 16395,
                  signature_hash_algorithms = 16431 };
}

constexpr uint8_t kFlagInitiator = 0x08, kFlagResponse = 0x20;
constexpr size_t kHeaderLen = 28;

struct Header {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  uint8_t next_payload = 0;
  uint8_t version = 0x20;
  Exchange exchange = Exchange::ike_sa_init;
  uint8_t flags = 0;
  uint32_t message_id = 0;
  uint32_t length = 0;

  bool initiator() const { return flags & kFlagInitiator; }
  bool response() const { return flags & kFlagResponse; }
};

// One payload of a chain: its type (from the previous header's next-payload field) and its body.
struct Payload {
  uint8_t type = 0;
  bool critical = false;
  std::vector<uint8_t> body;
};

struct ParseError {
  std::string what;  // which payload, which field, which value
  uint16_t notify = notify::invalid_syntax;  // what to answer with, when an answer is due
};

struct Message {
  Header header;
  std::vector<Payload> payloads;
  // The SK payload's first inner type, when the message carries SK (then it is the last payload).
  uint8_t sk_first_inner = 0;

  const Payload* find(uint8_t type) const;
  std::vector<const Payload*> find_all(uint8_t type) const;
};

Result<Header, ParseError> parse_header(std::span<const uint8_t> bytes);
// A whole message: header, then the payload chain up to the header's length.
Result<Message, ParseError> parse_message(std::span<const uint8_t> bytes);
// A chain of payloads starting with `first` (the decrypted content of SK).
Result<std::vector<Payload>, ParseError> parse_payload_chain(uint8_t first, std::span<const uint8_t> bytes);

// Encodes the header and payloads; lengths and next-payload fields are filled in.
std::vector<uint8_t> encode_message(Header header, const std::vector<Payload>& payloads);
std::vector<uint8_t> encode_payload_chain(const std::vector<Payload>& payloads, uint8_t next_after_last = 0);

// ---- SA payloads ---------------------------------------------------------------------------

namespace transform {
enum Type : uint8_t { encr = 1, prf = 2, integ = 3, dh = 4, esn = 5 };
}
namespace encr_id { enum : uint16_t { aes_cbc = 12, aes_gcm_16 = 20 }; }
namespace prf_id { enum : uint16_t { hmac_sha1 = 2, hmac_sha2_256 = 5, hmac_sha2_384 = 6, hmac_sha2_512 = 7 }; }
namespace integ_id { enum : uint16_t { none = 0, hmac_sha1_96 = 2, hmac_sha2_256_128 = 12, hmac_sha2_384_192 = 13, hmac_sha2_512_256 = 14 }; }
namespace dh_group { enum : uint16_t { modp2048 = 14, modp3072 = 15, modp4096 = 16, modp6144 = 17, modp8192 = 18,
                                 ecp256 = 19, ecp384 = 20, ecp521 = 21, curve25519 = 31 }; }

struct Transform {
  uint8_t type = 0;
  uint16_t id = 0;
  std::optional<uint16_t> key_bits;  // the Key Length attribute (AES)
  bool operator==(const Transform&) const = default;
};

enum class Protocol : uint8_t { ike = 1, ah = 2, esp = 3 };

struct Proposal {
  uint8_t number = 1;
  Protocol protocol = Protocol::ike;
  std::vector<uint8_t> spi;  // empty for IKE in IKE_SA_INIT, 4 bytes for ESP
  std::vector<Transform> transforms;

  std::vector<Transform> of_type(uint8_t type) const;
};

Result<std::vector<Proposal>, ParseError> parse_sa(std::span<const uint8_t> body);
std::vector<uint8_t> encode_sa(const std::vector<Proposal>& proposals);

// ---- the other payloads ----------------------------------------------------------------------

struct KeyExchange {
  uint16_t group = 0;
  std::vector<uint8_t> data;
};
Result<KeyExchange, ParseError> parse_ke(std::span<const uint8_t> body);
std::vector<uint8_t> encode_ke(const KeyExchange& ke);

namespace id_type { enum : uint8_t { ipv4 = 1, fqdn = 2, rfc822 = 3, ipv6 = 5, key_id = 11 }; }
struct Identification {
  uint8_t type = id_type::ipv4;
  std::vector<uint8_t> data;
  std::string to_string() const;
};
Result<Identification, ParseError> parse_id(std::span<const uint8_t> body);
std::vector<uint8_t> encode_id(const Identification& id);

constexpr uint8_t kAuthSharedKey = 2;
struct Authentication {
  uint8_t method = kAuthSharedKey;
  std::vector<uint8_t> data;
};
Result<Authentication, ParseError> parse_auth(std::span<const uint8_t> body);
std::vector<uint8_t> encode_auth(const Authentication& a);

struct Notify {
  Protocol protocol = Protocol::ike;
  std::vector<uint8_t> spi;
  uint16_t type = 0;
  std::vector<uint8_t> data;
};
Result<Notify, ParseError> parse_notify(std::span<const uint8_t> body);
std::vector<uint8_t> encode_notify(const Notify& n);

struct Delete {
  Protocol protocol = Protocol::ike;
  std::vector<std::vector<uint8_t>> spis;
};
Result<Delete, ParseError> parse_delete(std::span<const uint8_t> body);
std::vector<uint8_t> encode_delete(const Delete& d);

struct TrafficSelector {
  uint8_t ip_protocol = 0;  // 0: any
  uint16_t start_port = 0, end_port = 65535;
  IpAddress start, end;
  bool operator==(const TrafficSelector&) const = default;
  static TrafficSelector any_v4();
};
Result<std::vector<TrafficSelector>, ParseError> parse_ts(std::span<const uint8_t> body);
std::vector<uint8_t> encode_ts(const std::vector<TrafficSelector>& ts);

std::string exchange_name(Exchange e);
std::string notify_name(uint16_t type);

}  // namespace vpngw::ike
