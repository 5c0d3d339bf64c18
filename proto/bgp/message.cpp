#include "proto/bgp/message.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/bytes.hpp"

namespace vpngw::bgp {
namespace {

enum AttrType : uint8_t {
  kOrigin = 1, kAsPath = 2, kNextHop = 3, kMed = 4, kLocalPref = 5, kAtomicAggregate = 6, kAggregator = 7,
  kCommunities = 8, kMpReach = 14, kMpUnreach = 15, kAs4Path = 17, kAs4Aggregator = 18,
};
constexpr uint8_t kFlagOptional = 0x80, kFlagTransitive = 0x40, kFlagPartial = 0x20, kFlagExtended = 0x10;

BgpError error(ErrorCode code, uint8_t sub, std::string reason, std::vector<uint8_t> data = {}) {
  return BgpError{code, sub, std::move(data), std::move(reason)};
}

// A bounds-checked reader: every take fails instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  size_t left() const { return b_.size() - pos_; }
  bool u8(uint8_t& v) { if (left() < 1) return false; v = b_[pos_++]; return true; }
  bool u16(uint16_t& v) { if (left() < 2) return false; v = load_be16(&b_[pos_]); pos_ += 2; return true; }
  bool u32(uint32_t& v) { if (left() < 4) return false; v = load_be32(&b_[pos_]); pos_ += 4; return true; }
  bool take(size_t n, std::span<const uint8_t>& out) {
    if (left() < n) return false;
    out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> rest() const { return b_.subspan(pos_); }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

class Writer {
 public:
  std::vector<uint8_t> out;
  void u8(uint8_t v) { out.push_back(v); }
  void u16(uint16_t v) { out.push_back(uint8_t(v >> 8)); out.push_back(uint8_t(v)); }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
  void bytes(std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }
  size_t size() const { return out.size(); }
  void patch16(size_t at, uint16_t v) { store_be16(&out[at], v); }
};

void begin_message(Writer& w, MessageType type) {
  w.out.assign(16, 0xff);
  w.u16(0);
  w.u8(uint8_t(type));
}
std::vector<uint8_t> finish_message(Writer& w) {
  w.patch16(16, uint16_t(w.size()));
  return std::move(w.out);
}

size_t max_prefix_len(Afi afi) { return afi == Afi::ipv6 ? 128 : 32; }

// NLRI encoding (RFC 4271 4.3): a length in bits, then just enough bytes for it.
bool parse_prefixes(std::span<const uint8_t> in, Afi afi, std::vector<IpPrefix>& out, std::string& why) {
  Reader r(in);
  while (r.left() > 0) {
    uint8_t bits = 0;
    r.u8(bits);
    if (bits > max_prefix_len(afi)) {
      why = "prefix length " + std::to_string(bits) + " exceeds " + std::to_string(max_prefix_len(afi));
      return false;
    }
    std::span<const uint8_t> addr;
    if (!r.take((bits + 7) / 8, addr)) {
      why = "prefix /" + std::to_string(bits) + " runs past the end of its field";
      return false;
    }
    IpPrefix p;
    p.address.v6 = afi == Afi::ipv6;
    p.length = bits;
    std::memcpy(p.address.bytes.data(), addr.data(), addr.size());
    // Bits past the length are ignored, as RFC 4271 says, so two encodings of a prefix are one key.
    if (bits % 8) p.address.bytes[bits / 8] &= uint8_t(0xff << (8 - bits % 8));
    out.push_back(p);
  }
  return true;
}

void encode_prefix(Writer& w, const IpPrefix& p) {
  w.u8(p.length);
  w.bytes(std::span<const uint8_t>(p.address.bytes.data(), (p.length + 7u) / 8));
}
size_t encoded_prefix_len(const IpPrefix& p) { return 1 + (p.length + 7u) / 8; }

bool parse_family(uint16_t afi, uint8_t safi, Family& f) {
  if ((afi != 1 && afi != 2) || safi != 1) return false;
  f = Family{Afi(afi), Safi(safi)};
  return true;
}

// ---- OPEN ----------------------------------------------------------------------------------

Result<Message, BgpError> parse_open(std::span<const uint8_t> body) {
  Reader r(body);
  Open o;
  uint8_t opt_len = 0;
  if (!r.u8(o.version) || !r.u16(o.my_as) || !r.u16(o.hold_time) || !r.u32(o.bgp_id) || !r.u8(opt_len))
    return Unexpected(error(ErrorCode::header, header_sub::bad_length, "OPEN shorter than its fixed part"));
  if (o.version != 4)
    return Unexpected(error(ErrorCode::open, open_sub::unsupported_version,
                            "version " + std::to_string(o.version) + ", we speak 4", {0, 4}));
  if (o.hold_time == 1 || o.hold_time == 2)
    return Unexpected(error(ErrorCode::open, open_sub::unacceptable_hold_time,
                            "hold time " + std::to_string(o.hold_time) + " (must be 0 or at least 3)"));
  if (o.bgp_id == 0) return Unexpected(error(ErrorCode::open, open_sub::bad_bgp_id, "BGP identifier 0.0.0.0"));
  std::span<const uint8_t> params;
  if (!r.take(opt_len, params) || r.left() != 0)
    return Unexpected(error(ErrorCode::open, open_sub::unspecific,
                            "optional parameters length " + std::to_string(opt_len) + " does not match the message"));
  Reader p(params);
  while (p.left() > 0) {
    uint8_t type = 0, len = 0;
    std::span<const uint8_t> value;
    if (!p.u8(type) || !p.u8(len) || !p.take(len, value))
      return Unexpected(error(ErrorCode::open, open_sub::unspecific, "optional parameter runs past its field"));
    if (type != 2)
      return Unexpected(error(ErrorCode::open, open_sub::unsupported_optional_parameter,
                              "optional parameter type " + std::to_string(type)));
    Reader c(value);
    while (c.left() > 0) {
      uint8_t code = 0, clen = 0;
      std::span<const uint8_t> cv;
      if (!c.u8(code) || !c.u8(clen) || !c.take(clen, cv))
        return Unexpected(error(ErrorCode::open, open_sub::unspecific, "capability runs past its parameter"));
      if (code == 65) {
        if (clen != 4)
          return Unexpected(error(ErrorCode::open, open_sub::unspecific,
                                  "4-octet AS capability length " + std::to_string(clen)));
        o.caps.as4 = load_be32(cv.data());
      } else if (code == 2) {
        o.caps.route_refresh = true;
      } else if (code == 1) {
        if (clen != 4)
          return Unexpected(error(ErrorCode::open, open_sub::unspecific,
                                  "multiprotocol capability length " + std::to_string(clen)));
        Family f;
        // A family we do not carry is simply not negotiated (RFC 4760 8).
        if (parse_family(load_be16(cv.data()), cv[3], f)) o.caps.families.push_back(f);
      } else {
        o.caps.other_codes.push_back(code);
      }
    }
  }
  return Message(std::move(o));
}

// ---- UPDATE --------------------------------------------------------------------------------

// How RFC 7606 handles a malformed attribute of each type.
enum class OnError { withdraw, discard, reset };
OnError on_error(uint8_t type) {
  switch (type) {
    case kMpReach: case kMpUnreach: return OnError::reset;
    case kAtomicAggregate: case kAggregator: case kAs4Path: case kAs4Aggregator: return OnError::discard;
    default: return OnError::withdraw;
  }
}

// The flags each known attribute must carry (Optional and Transitive bits only).
std::optional<uint8_t> expected_flags(uint8_t type) {
  switch (type) {
    case kOrigin: case kAsPath: case kNextHop: case kLocalPref: case kAtomicAggregate: return kFlagTransitive;
    case kMed: case kMpReach: case kMpUnreach: return kFlagOptional;
    case kAggregator: case kCommunities: case kAs4Path: case kAs4Aggregator: return kFlagOptional | kFlagTransitive;
    default: return std::nullopt;
  }
}

bool parse_as_path(std::span<const uint8_t> v, bool four_byte, AsPath& out, std::string& why) {
  Reader r(v);
  const size_t asn_len = four_byte ? 4 : 2;
  std::vector<uint32_t> asns;
  while (r.left() > 0) {
    uint8_t type = 0, count = 0;
    if (!r.u8(type) || !r.u8(count)) { why = "segment header cut short"; return false; }
    if (type < AsPath::set || type > AsPath::confed_set) { why = "segment type " + std::to_string(type); return false; }
    if (count == 0) { why = "empty segment"; return false; }
    std::span<const uint8_t> raw;
    if (!r.take(count * asn_len, raw)) { why = "segment of " + std::to_string(count) + " ASNs runs past the attribute"; return false; }
    asns.clear();
    for (size_t i = 0; i < count; ++i)
      asns.push_back(four_byte ? load_be32(&raw[i * 4]) : load_be16(&raw[i * 2]));
    out.append_segment(AsPath::SegmentType(type), asns);
  }
  return true;
}

// RFC 6793 4.2.3: rebuild the true path from a 2-byte AS_PATH and the AS4_PATH beside it.
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  const size_t n2 = as_path.length(), n4 = as4_path.length();
  if (n2 < n4) return as_path;  // AS4_PATH is inconsistent: ignore it
  AsPath merged;
  size_t keep = n2 - n4;
  as_path.for_each_segment([&](AsPath::SegmentType type, std::span<const uint32_t> asns) {
    if (keep == 0) return;
    if (type == AsPath::set) {
      merged.append_segment(type, asns);
      --keep;
    } else if (type == AsPath::sequence) {
      const size_t take = std::min(keep, asns.size());
      merged.append_segment(type, asns.first(take));
      keep -= take;
    } else {
      merged.append_segment(type, asns);
    }
  });
  as4_path.for_each_segment([&](AsPath::SegmentType type, std::span<const uint32_t> asns) {
    merged.append_segment(type, asns);
  });
  return merged;
}

std::vector<uint8_t> attribute_bytes(uint8_t flags, uint8_t type, std::span<const uint8_t> value) {
  Writer w;
  w.u8(flags);
  w.u8(type);
  if (flags & kFlagExtended) w.u16(uint16_t(value.size())); else w.u8(uint8_t(value.size()));
  w.bytes(value);
  return std::move(w.out);
}

Result<Message, BgpError> parse_update(std::span<const uint8_t> body, const CodecContext& ctx) {
  Reader r(body);
  Update u;
  uint16_t withdrawn_len = 0, attrs_len = 0;
  std::span<const uint8_t> withdrawn, attrs;
  if (!r.u16(withdrawn_len) || !r.take(withdrawn_len, withdrawn) || !r.u16(attrs_len) || !r.take(attrs_len, attrs))
    return Unexpected(error(ErrorCode::update, update_sub::malformed_attribute_list,
                            "withdrawn length " + std::to_string(withdrawn_len) + " / attribute length " +
                                std::to_string(attrs_len) + " exceed the message"));
  std::string why;
  if (!parse_prefixes(withdrawn, Afi::ipv4, u.withdrawn, why))
    return Unexpected(error(ErrorCode::update, update_sub::invalid_network_field, "withdrawn routes: " + why));
  if (!parse_prefixes(r.rest(), Afi::ipv4, u.nlri, why))
    return Unexpected(error(ErrorCode::update, update_sub::invalid_network_field, "NLRI: " + why));

  auto withdraw = [&](std::string reason) {
    u.treat_as_withdraw = true;
    u.warnings.push_back("treat-as-withdraw: " + std::move(reason));
  };
  auto discard = [&](std::string reason) { u.warnings.push_back("attribute discarded: " + std::move(reason)); };

  uint32_t seen_lo = 0, seen_hi = 0;  // bitmap of attribute types 0..63 already taken
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  bool have_origin = false, have_as_path = false;
  Reader a(attrs);
  while (a.left() > 0) {
    uint8_t flags = 0, type = 0;
    uint16_t len = 0;
    std::span<const uint8_t> v;
    bool ok = a.u8(flags) && a.u8(type);
    if (ok && (flags & kFlagExtended)) ok = a.u16(len);
    else if (ok) { uint8_t l8 = 0; ok = a.u8(l8); len = l8; }
    if (!ok || !a.take(len, v)) {
      // RFC 7606 4: the attribute section is broken from here on. If an MP attribute may be hidden in
      // the part we cannot read, only a reset is safe.
      if (u.mp_reach || u.mp_unreach || type == kMpReach || type == kMpUnreach)
        return Unexpected(error(ErrorCode::update, update_sub::malformed_attribute_list,
                                "attribute type " + std::to_string(type) + " runs past the attribute section"));
      withdraw("attribute type " + std::to_string(type) + " runs past the attribute section");
      break;
    }
    u.has_attrs = true;
    const std::string where = "attribute type " + std::to_string(type) + " (length " + std::to_string(len) + ")";
    uint32_t& seen = type < 32 ? seen_lo : seen_hi;
    const uint32_t bit = 1u << (type % 32);
    if (type < 64 && (seen & bit)) {
      if (type == kMpReach || type == kMpUnreach)
        return Unexpected(error(ErrorCode::update, update_sub::malformed_attribute_list, where + " appears twice"));
      discard(where + " repeated");
      continue;
    }
    if (type < 64) seen |= bit;

    const auto expect = expected_flags(type);
    if (!expect) {
      if (!(flags & kFlagOptional))
        return Unexpected(error(ErrorCode::update, update_sub::unrecognized_well_known,
                                "unrecognized well-known " + where, attribute_bytes(flags, type, v)));
      if (flags & kFlagTransitive)
        u.attrs.unknown_transitive.push_back(
            RawAttribute{uint8_t((flags | kFlagPartial) & ~kFlagExtended), type, {v.begin(), v.end()}});
      continue;
    }
    // Returns false when the error must reset the session (only the MP attributes do).
    auto malformed = [&](std::string reason) -> bool {
      switch (on_error(type)) {
        case OnError::withdraw: withdraw(where + ": " + reason); return true;
        case OnError::discard: discard(where + ": " + reason); return true;
        case OnError::reset: why = where + ": " + reason; return false;
      }
      return false;
    };
    if ((flags & (kFlagOptional | kFlagTransitive)) != *expect) {
      char hex_flags[8];
      std::snprintf(hex_flags, sizeof hex_flags, "0x%02x", flags);
      if (!malformed(std::string("flags ") + hex_flags + " conflict with the attribute's kind"))
        return Unexpected(error(ErrorCode::update, update_sub::attribute_flags, why, attribute_bytes(flags, type, v)));
      continue;
    }
    switch (type) {
      case kOrigin:
        if (len != 1 || v[0] > 2) { malformed(len != 1 ? "length must be 1" : "value " + std::to_string(v[0])); break; }
        u.attrs.origin = Origin(v[0]);
        have_origin = true;
        break;
      case kAsPath: {
        AsPath path;
        if (!parse_as_path(v, ctx.as4, path, why)) { malformed(why); break; }
        u.attrs.as_path = std::move(path);
        have_as_path = true;
        break;
      }
      case kNextHop:
        if (len != 4) { malformed("length must be 4"); break; }
        if (v[0] == 0 || v[0] == 127 || v[0] >= 224) {
          malformed("next hop " + IpAddress::v4_from_host_order(load_be32(v.data())).to_string() + " is not a unicast address");
          break;
        }
        u.attrs.next_hop = IpAddress::v4_from_host_order(load_be32(v.data()));
        break;
      case kMed:
        if (len != 4) { malformed("length must be 4"); break; }
        u.attrs.med = load_be32(v.data());
        break;
      case kLocalPref:
        if (ctx.ebgp) { discard(where + ": LOCAL_PREF from an external peer"); break; }
        if (len != 4) { malformed("length must be 4"); break; }
        u.attrs.local_pref = load_be32(v.data());
        break;
      case kAtomicAggregate:
        if (len != 0) { malformed("length must be 0"); break; }
        u.attrs.atomic_aggregate = true;
        break;
      case kAggregator:
        if (len != (ctx.as4 ? 8 : 6)) { malformed("length must be " + std::to_string(ctx.as4 ? 8 : 6)); break; }
        u.attrs.aggregator = ctx.as4 ? Aggregator{load_be32(v.data()), load_be32(v.data() + 4)}
                                     : Aggregator{load_be16(v.data()), load_be32(v.data() + 2)};
        break;
      case kCommunities:
        if (len % 4 != 0 || len == 0) { malformed("length must be a non-zero multiple of 4"); break; }
        for (size_t i = 0; i < len; i += 4) u.attrs.communities.push_back(load_be32(&v[i]));
        break;
      case kAs4Path: {
        if (ctx.as4) { discard(where + ": AS4_PATH from a 4-octet speaker"); break; }
        AsPath path;
        if (!parse_as_path(v, true, path, why)) { malformed(why); break; }
        as4_path = std::move(path);
        break;
      }
      case kAs4Aggregator:
        if (ctx.as4) { discard(where + ": AS4_AGGREGATOR from a 4-octet speaker"); break; }
        if (len != 8) { malformed("length must be 8"); break; }
        as4_aggregator = Aggregator{load_be32(v.data()), load_be32(v.data() + 4)};
        break;
      case kMpReach: {
        Reader m(v);
        uint16_t afi = 0;
        uint8_t safi = 0, nh_len = 0, reserved = 0;
        std::span<const uint8_t> nh;
        MpReach mp;
        if (!m.u16(afi) || !m.u8(safi) || !m.u8(nh_len) || !m.take(nh_len, nh) || !m.u8(reserved))
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute, where + ": MP_REACH_NLRI cut short"));
        if (!parse_family(afi, safi, mp.family))
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute,
                                  where + ": AFI " + std::to_string(afi) + " SAFI " + std::to_string(safi) + " was not negotiated"));
        if (mp.family.afi == Afi::ipv6 && (nh_len == 16 || nh_len == 32)) {
          mp.next_hop.v6 = true;
          std::memcpy(mp.next_hop.bytes.data(), nh.data(), 16);
          if (nh_len == 32) {
            IpAddress ll;
            ll.v6 = true;
            std::memcpy(ll.bytes.data(), nh.data() + 16, 16);
            mp.link_local_next_hop = ll;
          }
        } else if (mp.family.afi == Afi::ipv4 && nh_len == 4) {
          mp.next_hop = IpAddress::v4_from_host_order(load_be32(nh.data()));
        } else {
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute,
                                  where + ": next hop length " + std::to_string(nh_len) + " for " + to_string(mp.family)));
        }
        if (!parse_prefixes(m.rest(), mp.family.afi, mp.nlri, why))
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute, where + ": " + why));
        u.mp_reach = std::move(mp);
        break;
      }
      case kMpUnreach: {
        Reader m(v);
        uint16_t afi = 0;
        uint8_t safi = 0;
        MpUnreach mp;
        if (!m.u16(afi) || !m.u8(safi))
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute, where + ": MP_UNREACH_NLRI cut short"));
        if (!parse_family(afi, safi, mp.family))
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute,
                                  where + ": AFI " + std::to_string(afi) + " SAFI " + std::to_string(safi) + " was not negotiated"));
        if (!parse_prefixes(m.rest(), mp.family.afi, mp.withdrawn, why))
          return Unexpected(error(ErrorCode::update, update_sub::optional_attribute, where + ": " + why));
        u.mp_unreach = std::move(mp);
        break;
      }
    }
  }

  if (as4_path && have_as_path) u.attrs.as_path = merge_as4_path(u.attrs.as_path, *as4_path);
  if (as4_aggregator && u.attrs.aggregator && u.attrs.aggregator->asn == kAsTrans) u.attrs.aggregator = as4_aggregator;

  // RFC 7606 3(d): a missing mandatory attribute withdraws rather than resets.
  const bool announces = !u.nlri.empty() || (u.mp_reach && !u.mp_reach->nlri.empty());
  if (announces && !u.treat_as_withdraw) {
    if (!have_origin) withdraw("ORIGIN missing");
    else if (!have_as_path) withdraw("AS_PATH missing");
    else if (!u.nlri.empty() && !u.attrs.next_hop) withdraw("NEXT_HOP missing for IPv4 NLRI");
  }
  return Message(std::move(u));
}

// ---- encoders ------------------------------------------------------------------------------

void encode_as_path_value(Writer& w, const AsPath& path, bool four_byte) {
  path.for_each_segment([&](AsPath::SegmentType type, std::span<const uint32_t> asns) {
    // A segment holds at most 255 ASNs; longer runs split.
    for (size_t at = 0; at < asns.size(); at += 255) {
      const size_t n = std::min<size_t>(255, asns.size() - at);
      w.u8(type);
      w.u8(uint8_t(n));
      for (size_t i = 0; i < n; ++i) {
        const uint32_t asn = asns[at + i];
        if (four_byte) w.u32(asn); else w.u16(uint16_t(asn > 0xffff ? kAsTrans : asn));
      }
    }
  });
}

void put_attribute(Writer& w, uint8_t flags, uint8_t type, const std::vector<uint8_t>& value) {
  if (value.size() > 255) flags |= kFlagExtended;
  w.bytes(attribute_bytes(flags, type, value));
}

// The attribute section shared by every UPDATE of one announcement (without MP_REACH).
std::vector<uint8_t> encode_path_attributes(const PathAttributes& a, const CodecContext& ctx, bool ipv4_nlri) {
  Writer w;
  put_attribute(w, kFlagTransitive, kOrigin, {uint8_t(a.origin)});
  Writer path;
  encode_as_path_value(path, a.as_path, ctx.as4);
  put_attribute(w, kFlagTransitive, kAsPath, path.out);
  if (ipv4_nlri && a.next_hop && !a.next_hop->v6) {
    Writer nh;
    nh.u32(a.next_hop->v4_host_order());
    put_attribute(w, kFlagTransitive, kNextHop, nh.out);
  }
  if (a.med) { Writer v; v.u32(*a.med); put_attribute(w, kFlagOptional, kMed, v.out); }
  if (a.local_pref && !ctx.ebgp) { Writer v; v.u32(*a.local_pref); put_attribute(w, kFlagTransitive, kLocalPref, v.out); }
  if (a.atomic_aggregate) put_attribute(w, kFlagTransitive, kAtomicAggregate, {});
  if (a.aggregator) {
    Writer v;
    if (ctx.as4) v.u32(a.aggregator->asn); else v.u16(uint16_t(a.aggregator->asn > 0xffff ? kAsTrans : a.aggregator->asn));
    v.u32(a.aggregator->address);
    put_attribute(w, kFlagOptional | kFlagTransitive, kAggregator, v.out);
  }
  if (!a.communities.empty()) {
    Writer v;
    for (uint32_t c : a.communities) v.u32(c);
    put_attribute(w, kFlagOptional | kFlagTransitive, kCommunities, v.out);
  }
  if (!ctx.as4) {
    bool needs_as4 = false;
    for (uint32_t word : a.as_path.words) needs_as4 |= word > 0xffff;  // headers are below 0x0500
    if (needs_as4) {
      Writer v;
      encode_as_path_value(v, a.as_path, true);
      put_attribute(w, kFlagOptional | kFlagTransitive, kAs4Path, v.out);
    }
  }
  for (const auto& raw : a.unknown_transitive) put_attribute(w, raw.flags, raw.type, raw.value);
  return std::move(w.out);
}

std::vector<uint8_t> encode_update(std::span<const uint8_t> withdrawn, std::span<const uint8_t> attrs,
                                   std::span<const uint8_t> nlri) {
  Writer w;
  begin_message(w, MessageType::update);
  w.u16(uint16_t(withdrawn.size()));
  w.bytes(withdrawn);
  w.u16(uint16_t(attrs.size()));
  w.bytes(attrs);
  w.bytes(nlri);
  return finish_message(w);
}

// Splits prefixes into runs whose encoding fits in `room` bytes.
template <typename F>
void pack_prefixes(std::span<const IpPrefix> prefixes, size_t room, F&& emit) {
  Writer chunk;
  for (const auto& p : prefixes) {
    if (chunk.size() + encoded_prefix_len(p) > room) {
      emit(chunk.out);
      chunk.out.clear();
    }
    encode_prefix(chunk, p);
  }
  if (!chunk.out.empty()) emit(chunk.out);
}

}  // namespace

// ---- AsPath --------------------------------------------------------------------------------

void AsPath::append_segment(SegmentType type, std::span<const uint32_t> asns) {
  for (size_t at = 0; at < asns.size(); at += 255) {
    const size_t n = std::min<size_t>(255, asns.size() - at);
    words.push_back(uint32_t(type) << 8 | uint32_t(n));
    words.insert(words.end(), asns.begin() + at, asns.begin() + at + n);
  }
}

void AsPath::prepend(uint32_t asn) {
  if (!words.empty() && SegmentType(words[0] >> 8) == sequence && (words[0] & 0xff) < 255) {
    words.insert(words.begin() + 1, asn);
    ++words[0];
  } else {
    words.insert(words.begin(), {uint32_t(sequence) << 8 | 1u, asn});
  }
}

size_t AsPath::length() const {
  size_t n = 0;
  for_each_segment([&](SegmentType type, std::span<const uint32_t> asns) {
    if (type == sequence) n += asns.size();
    else if (type == set) n += 1;
  });
  return n;
}

bool AsPath::contains(uint32_t asn) const {
  bool found = false;
  for_each_segment([&](SegmentType, std::span<const uint32_t> asns) {
    found |= std::find(asns.begin(), asns.end(), asn) != asns.end();
  });
  return found;
}

std::optional<uint32_t> AsPath::first_asn() const {
  if (words.empty() || SegmentType(words[0] >> 8) != sequence) return std::nullopt;
  return words[1];
}

std::string AsPath::to_string() const {
  std::string s;
  for_each_segment([&](SegmentType type, std::span<const uint32_t> asns) {
    const bool braces = type == set || type == confed_set;
    if (!s.empty()) s += ' ';
    if (braces) s += '{';
    for (size_t i = 0; i < asns.size(); ++i) s += (i ? " " : "") + std::to_string(asns[i]);
    if (braces) s += '}';
  });
  return s;
}

std::optional<Family> Update::end_of_rib() const {
  if (withdrawn.empty() && nlri.empty() && !has_attrs && !mp_reach && !mp_unreach) return Family{};
  if (withdrawn.empty() && nlri.empty() && !mp_reach && mp_unreach && mp_unreach->withdrawn.empty() &&
      !attrs.next_hop && attrs.as_path.words.empty())
    return mp_unreach->family;
  return std::nullopt;
}

// ---- framing and dispatch ------------------------------------------------------------------

Result<size_t, BgpError> frame_length(std::span<const uint8_t> buffer) {
  if (buffer.size() < kHeaderLen) return size_t(0);
  for (size_t i = 0; i < 16; ++i)
    if (buffer[i] != 0xff) return Unexpected(error(ErrorCode::header, header_sub::not_synchronized, "marker is not all ones"));
  const uint16_t len = load_be16(&buffer[16]);
  if (len < kHeaderLen || len > kMaxMessageLen)
    return Unexpected(error(ErrorCode::header, header_sub::bad_length, "length field " + std::to_string(len),
                            {buffer[16], buffer[17]}));
  return buffer.size() < len ? size_t(0) : size_t(len);
}

Result<Message, BgpError> parse_message(std::span<const uint8_t> bytes, const CodecContext& ctx) {
  auto framed = frame_length(bytes);
  if (!framed) return Unexpected(framed.error());
  if (framed.value() != bytes.size() || bytes.size() < kHeaderLen)
    return Unexpected(error(ErrorCode::header, header_sub::bad_length, "message is not exactly one frame",
                            {bytes.size() >= 18 ? bytes[16] : uint8_t(0), bytes.size() >= 18 ? bytes[17] : uint8_t(0)}));
  const uint16_t len = uint16_t(bytes.size());
  const uint8_t type = bytes[18];
  const auto body = bytes.subspan(kHeaderLen);
  auto bad_length = [&] {
    return Unexpected(error(ErrorCode::header, header_sub::bad_length,
                            "length " + std::to_string(len) + " for message type " + std::to_string(type),
                            {bytes[16], bytes[17]}));
  };
  switch (MessageType(type)) {
    case MessageType::open:
      if (len < 29) return bad_length();
      return parse_open(body);
    case MessageType::update:
      if (len < 23) return bad_length();
      return parse_update(body, ctx);
    case MessageType::notification: {
      if (len < 21) return bad_length();
      Notification n{ErrorCode(body[0]), body[1], {body.begin() + 2, body.end()}};
      return Message(std::move(n));
    }
    case MessageType::keepalive:
      if (len != kHeaderLen) return bad_length();
      return Message(Keepalive{});
    case MessageType::route_refresh: {
      if (len != 23) return bad_length();
      RouteRefresh rr;
      // RFC 2918 4: an unknown family in a refresh request is ignored, not an error; callers see AFI 0.
      if (!parse_family(load_be16(body.data()), body[3], rr.family)) rr.family = Family{Afi(0), Safi(0)};
      return Message(rr);
    }
  }
  return Unexpected(error(ErrorCode::header, header_sub::bad_type, "message type " + std::to_string(type), {type}));
}

std::vector<uint8_t> encode_open(const Open& o) {
  Writer caps;
  if (o.caps.as4) {
    caps.u8(65); caps.u8(4); caps.u32(*o.caps.as4);
  }
  if (o.caps.route_refresh) { caps.u8(2); caps.u8(0); }
  for (const auto& f : o.caps.families) {
    caps.u8(1); caps.u8(4); caps.u16(uint16_t(f.afi)); caps.u8(0); caps.u8(uint8_t(f.safi));
  }
  Writer w;
  begin_message(w, MessageType::open);
  w.u8(o.version);
  w.u16(o.my_as);
  w.u16(o.hold_time);
  w.u32(o.bgp_id);
  if (caps.out.empty()) {
    w.u8(0);
  } else {
    w.u8(uint8_t(caps.size() + 2));
    w.u8(2);
    w.u8(uint8_t(caps.size()));
    w.bytes(caps.out);
  }
  return finish_message(w);
}

std::vector<uint8_t> encode_keepalive() {
  Writer w;
  begin_message(w, MessageType::keepalive);
  return finish_message(w);
}

std::vector<uint8_t> encode_notification(const Notification& n) {
  Writer w;
  begin_message(w, MessageType::notification);
  w.u8(uint8_t(n.code));
  w.u8(n.subcode);
  w.bytes(std::span<const uint8_t>(n.data.data(), std::min<size_t>(n.data.size(), kMaxMessageLen - 21)));
  return finish_message(w);
}

std::vector<uint8_t> encode_route_refresh(Family f) {
  Writer w;
  begin_message(w, MessageType::route_refresh);
  w.u16(uint16_t(f.afi));
  w.u8(0);
  w.u8(uint8_t(f.safi));
  return finish_message(w);
}

std::vector<std::vector<uint8_t>> encode_announce(const PathAttributes& attrs, std::span<const IpPrefix> prefixes,
                                                  const CodecContext& ctx) {
  std::vector<IpPrefix> v4, v6;
  for (const auto& p : prefixes) (p.address.v6 ? v6 : v4).push_back(p);
  std::vector<std::vector<uint8_t>> out;
  if (!v4.empty()) {
    const auto section = encode_path_attributes(attrs, ctx, true);
    const size_t room = kMaxMessageLen - kHeaderLen - 4 - section.size();
    pack_prefixes(v4, room, [&](const std::vector<uint8_t>& nlri) { out.push_back(encode_update({}, section, nlri)); });
  }
  if (!v6.empty()) {
    const auto section = encode_path_attributes(attrs, ctx, false);
    Writer head;  // MP_REACH_NLRI up to its NLRI
    head.u16(uint16_t(Afi::ipv6));
    head.u8(uint8_t(Safi::unicast));
    const IpAddress nh = attrs.next_hop && attrs.next_hop->v6 ? *attrs.next_hop : IpAddress{true, {}};
    head.u8(16);
    head.bytes(std::span<const uint8_t>(nh.bytes.data(), 16));
    head.u8(0);
    const size_t room = kMaxMessageLen - kHeaderLen - 4 - section.size() - 4 - head.size();
    pack_prefixes(v6, room, [&](const std::vector<uint8_t>& nlri) {
      Writer value;
      value.bytes(head.out);
      value.bytes(nlri);
      Writer all;
      all.bytes(section);
      put_attribute(all, kFlagOptional, kMpReach, value.out);
      out.push_back(encode_update({}, all.out, {}));
    });
  }
  return out;
}

std::vector<std::vector<uint8_t>> encode_withdraw(std::span<const IpPrefix> prefixes) {
  std::vector<IpPrefix> v4, v6;
  for (const auto& p : prefixes) (p.address.v6 ? v6 : v4).push_back(p);
  std::vector<std::vector<uint8_t>> out;
  pack_prefixes(v4, kMaxMessageLen - kHeaderLen - 4,
                [&](const std::vector<uint8_t>& w) { out.push_back(encode_update(w, {}, {})); });
  pack_prefixes(v6, kMaxMessageLen - kHeaderLen - 4 - 4 - 3, [&](const std::vector<uint8_t>& w) {
    Writer value;
    value.u16(uint16_t(Afi::ipv6));
    value.u8(uint8_t(Safi::unicast));
    value.bytes(w);
    Writer all;
    put_attribute(all, kFlagOptional, kMpUnreach, value.out);
    out.push_back(encode_update({}, all.out, {}));
  });
  return out;
}

std::vector<uint8_t> encode_end_of_rib(Family f) {
  if (f.afi == Afi::ipv4) return encode_update({}, {}, {});
  Writer value;
  value.u16(uint16_t(f.afi));
  value.u8(uint8_t(f.safi));
  Writer all;
  put_attribute(all, kFlagOptional, kMpUnreach, value.out);
  return encode_update({}, all.out, {});
}

std::string to_string(Family f) {
  if (f.afi == Afi::ipv4 && f.safi == Safi::unicast) return "ipv4-unicast";
  if (f.afi == Afi::ipv6 && f.safi == Safi::unicast) return "ipv6-unicast";
  return "afi " + std::to_string(int(f.afi)) + "/safi " + std::to_string(int(f.safi));
}

std::string error_name(ErrorCode code, uint8_t sub) {
  static const char* const header[] = {"", "connection not synchronized", "bad message length", "bad message type"};
  static const char* const open[] = {"unspecific", "unsupported version number", "bad peer AS", "bad BGP identifier",
                                     "unsupported optional parameter", "", "unacceptable hold time",
                                     "unsupported capability"};
  static const char* const update[] = {"", "malformed attribute list", "unrecognized well-known attribute",
                                       "missing well-known attribute", "attribute flags error",
                                       "attribute length error", "invalid ORIGIN", "", "invalid NEXT_HOP",
                                       "optional attribute error", "invalid network field", "malformed AS_PATH"};
  static const char* const cease[] = {"", "maximum number of prefixes reached", "administrative shutdown",
                                      "peer de-configured", "administrative reset", "connection rejected",
                                      "other configuration change", "connection collision resolution",
                                      "out of resources"};
  auto pick = [&](const char* const* names, size_t n, const char* what) {
    std::string s = what;
    if (sub < n && names[sub][0]) s += std::string(": ") + names[sub];
    else s += " subcode " + std::to_string(sub);
    return s;
  };
  switch (code) {
    case ErrorCode::header: return pick(header, std::size(header), "message header error");
    case ErrorCode::open: return pick(open, std::size(open), "OPEN message error");
    case ErrorCode::update: return pick(update, std::size(update), "UPDATE message error");
    case ErrorCode::hold_timer: return "hold timer expired";
    case ErrorCode::fsm: return "finite state machine error";
    case ErrorCode::cease: return pick(cease, std::size(cease), "cease");
  }
  return "error code " + std::to_string(int(code)) + " subcode " + std::to_string(sub);
}

std::optional<uint32_t> parse_community(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  uint32_t halves[2];
  const std::string_view parts[2] = {text.substr(0, colon), text.substr(colon + 1)};
  for (int i = 0; i < 2; ++i) {
    const auto& part = parts[i];
    if (part.empty() || part.size() > 5 || part.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    halves[i] = uint32_t(std::stoul(std::string(part)));
    if (halves[i] > 0xffff) return std::nullopt;
  }
  return halves[0] << 16 | halves[1];
}

std::string community_to_string(uint32_t c) { return std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff); }

}  // namespace vpngw::bgp
