// BGP-4 messages (RFC 4271) with 4-octet ASNs (RFC 6793), route refresh (RFC 2918), multiprotocol
// IPv4/IPv6 unicast (RFC 4760) and communities (RFC 1997): a codec on byte spans, no I/O.
//
// Parsing never trusts a length field. A message that must end the session yields a BgpError whose
// code/subcode/data are what RFC 4271 section 6 says the NOTIFICATION carries. UPDATE errors that
// RFC 7606 downgrades come back inside a parsed Update instead: `treat_as_withdraw` (the NLRI are
// withdrawn, not installed) or a discarded attribute, each with a reason for the log.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/result.hpp"

namespace vpngw::bgp {

constexpr size_t kHeaderLen = 19;
constexpr size_t kMaxMessageLen = 4096;
constexpr uint32_t kAsTrans = 23456;

enum class MessageType : uint8_t { open = 1, update = 2, notification = 3, keepalive = 4, route_refresh = 5 };

// NOTIFICATION error codes and the subcodes we send (RFC 4271 section 4.5, RFC 4486).
enum class ErrorCode : uint8_t { header = 1, open = 2, update = 3, hold_timer = 4, fsm = 5, cease = 6 };
namespace header_sub { enum : uint8_t { not_synchronized = 1, bad_length = 2, bad_type = 3 }; }
namespace open_sub {
enum : uint8_t { unspecific = 0, unsupported_version = 1, bad_peer_as = 2, bad_bgp_id = 3,
                 unsupported_optional_parameter = 4, unacceptable_hold_time = 6 };
}
namespace update_sub {
enum : uint8_t { malformed_attribute_list = 1, unrecognized_well_known = 2, missing_well_known = 3,
                 attribute_flags = 4, attribute_length = 5, invalid_origin = 6, invalid_next_hop = 8,
                 optional_attribute = 9, invalid_network_field = 10, malformed_as_path = 11 };
}
namespace cease_sub {
enum : uint8_t { max_prefixes = 1, admin_shutdown = 2, peer_deconfigured = 3, admin_reset = 4,
                 connection_rejected = 5, collision = 7 };
}

struct BgpError {
  ErrorCode code;
  uint8_t subcode;
  std::vector<uint8_t> data;
  std::string reason;  // for logs: which field, which value
};

enum class Afi : uint16_t { ipv4 = 1, ipv6 = 2 };
enum class Safi : uint8_t { unicast = 1 };

struct Family {
  Afi afi = Afi::ipv4;
  Safi safi = Safi::unicast;
  bool operator==(const Family&) const = default;
};

struct Capabilities {
  std::optional<uint32_t> as4;  // the speaker's 4-octet ASN (code 65)
  bool route_refresh = false;   // code 2
  std::vector<Family> families;  // code 1, in the order received
  std::vector<uint8_t> other_codes;  // recognised as present, otherwise ignored
};

struct Open {
  uint8_t version = 4;
  uint16_t my_as = 0;  // the 2-byte field (AS_TRANS for a 4-byte ASN)
  uint16_t hold_time = 0;
  uint32_t bgp_id = 0;  // host order
  Capabilities caps;

  uint32_t asn() const { return caps.as4 ? *caps.as4 : my_as; }
};

// AS_PATH as a flat list of segments: words = [header, asn..., header, asn...] where header is
// type << 8 | count. One allocation per path, which matters with a million unique paths.
struct AsPath {
  enum SegmentType : uint8_t { set = 1, sequence = 2, confed_sequence = 3, confed_set = 4 };
  std::vector<uint32_t> words;

  void append_segment(SegmentType type, std::span<const uint32_t> asns);
  void prepend(uint32_t asn);
  // RFC 4271 9.1.2.2: an AS_SET counts as one, confederation segments as zero.
  size_t length() const;
  bool contains(uint32_t asn) const;
  std::optional<uint32_t> first_asn() const;  // the neighbour AS when the first segment is a sequence
  std::string to_string() const;  // "65001 65002 {65003 65004}"
  template <typename F>
  void for_each_segment(F&& f) const {
    for (size_t i = 0; i < words.size();) {
      const uint32_t n = words[i] & 0xff;
      f(SegmentType(words[i] >> 8), std::span<const uint32_t>(words.data() + i + 1, n));
      i += 1 + n;
    }
  }
  bool operator==(const AsPath&) const = default;
};

struct Aggregator {
  uint32_t asn = 0;
  uint32_t address = 0;
  bool operator==(const Aggregator&) const = default;
};

struct RawAttribute {
  uint8_t flags = 0;
  uint8_t type = 0;
  std::vector<uint8_t> value;
  bool operator==(const RawAttribute&) const = default;
};

enum Origin : uint8_t { igp = 0, egp = 1, incomplete = 2 };

struct PathAttributes {
  Origin origin = Origin::incomplete;
  AsPath as_path;
  std::optional<IpAddress> next_hop;  // NEXT_HOP for IPv4 NLRI
  std::optional<uint32_t> med;
  std::optional<uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<uint32_t> communities;  // RFC 1997, asn << 16 | value
  std::vector<RawAttribute> unknown_transitive;  // passed on with the Partial bit set
  bool operator==(const PathAttributes&) const = default;
};

struct MpReach {
  Family family;
  IpAddress next_hop;
  std::optional<IpAddress> link_local_next_hop;
  std::vector<IpPrefix> nlri;
};
struct MpUnreach {
  Family family;
  std::vector<IpPrefix> withdrawn;
};

struct Update {
  std::vector<IpPrefix> withdrawn;  // IPv4
  PathAttributes attrs;
  bool has_attrs = false;  // any path attribute present
  std::vector<IpPrefix> nlri;  // IPv4
  std::optional<MpReach> mp_reach;
  std::optional<MpUnreach> mp_unreach;
  // RFC 7606 outcomes that keep the session up.
  bool treat_as_withdraw = false;
  std::vector<std::string> warnings;  // treat-as-withdraw and attribute-discard reasons

  // End-of-RIB marker (RFC 4724): for IPv4 an empty UPDATE; for other families an MP_UNREACH only.
  std::optional<Family> end_of_rib() const;
};

struct Notification {
  ErrorCode code;
  uint8_t subcode = 0;
  std::vector<uint8_t> data;
};

struct Keepalive {};
struct RouteRefresh {
  Family family;
};

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;

// What decoding an UPDATE depends on: the negotiated capabilities and the session type.
struct CodecContext {
  bool as4 = true;   // both sides sent capability 65
  bool ebgp = true;  // LOCAL_PREF from an external peer is discarded (RFC 7606 7.5)
};

// How many bytes the next message takes: 0 when more bytes are needed, or an error when the header
// is already bad (marker, length).
Result<size_t, BgpError> frame_length(std::span<const uint8_t> buffer);

// `bytes` holds exactly one whole message including its header.
Result<Message, BgpError> parse_message(std::span<const uint8_t> bytes, const CodecContext& ctx);

std::vector<uint8_t> encode_open(const Open& open);
std::vector<uint8_t> encode_keepalive();
std::vector<uint8_t> encode_notification(const Notification& n);
std::vector<uint8_t> encode_route_refresh(Family family);
// Builds as many UPDATEs as the NLRI need (each at most 4096 bytes) with the same attributes.
// IPv4 NLRI go in the NLRI field with NEXT_HOP; IPv6 in MP_REACH. Towards a peer without 4-octet AS
// support, ASNs above 65535 become AS_TRANS in AS_PATH and the true path goes in AS4_PATH.
std::vector<std::vector<uint8_t>> encode_announce(const PathAttributes& attrs, std::span<const IpPrefix> prefixes,
                                                  const CodecContext& ctx);
std::vector<std::vector<uint8_t>> encode_withdraw(std::span<const IpPrefix> prefixes);
std::vector<uint8_t> encode_end_of_rib(Family family);

std::string error_name(ErrorCode code, uint8_t subcode);
// A community as operators write it, "7224:7300" (RFC 1997: two 16-bit halves); nullopt if not one.
std::optional<uint32_t> parse_community(std::string_view text);
std::string community_to_string(uint32_t community);
std::string to_string(Family f);

}  // namespace vpngw::bgp
