#include "proto/ike/message.hpp"

#include <cstring>

#include "common/bytes.hpp"

namespace vpngw::ike {
namespace {

ParseError error(std::string what, uint16_t n = notify::invalid_syntax) { return ParseError{std::move(what), n}; }

void put16(std::vector<uint8_t>& out, uint16_t v) { out.push_back(uint8_t(v >> 8)); out.push_back(uint8_t(v)); }
void put32(std::vector<uint8_t>& out, uint32_t v) { put16(out, uint16_t(v >> 16)); put16(out, uint16_t(v)); }
void put64(std::vector<uint8_t>& out, uint64_t v) { put32(out, uint32_t(v >> 32)); put32(out, uint32_t(v)); }
void append(std::vector<uint8_t>& out, std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }

}  // namespace

const Payload* Message::find(uint8_t type) const {
  for (const auto& p : payloads)
    if (p.type == type) return &p;
  return nullptr;
}

std::vector<const Payload*> Message::find_all(uint8_t type) const {
  std::vector<const Payload*> out;
  for (const auto& p : payloads)
    if (p.type == type) out.push_back(&p);
  return out;
}

Result<Header, ParseError> parse_header(std::span<const uint8_t> b) {
  if (b.size() < kHeaderLen) return Unexpected(error("message of " + std::to_string(b.size()) + " bytes is shorter than the IKE header"));
  Header h;
  h.spi_i = load_be64(b.data());
  h.spi_r = load_be64(b.data() + 8);
  h.next_payload = b[16];
  h.version = b[17];
  h.exchange = Exchange(b[18]);
  h.flags = b[19];
  h.message_id = load_be32(b.data() + 20);
  h.length = load_be32(b.data() + 24);
  if ((h.version >> 4) != 2)
    return Unexpected(error("major version " + std::to_string(h.version >> 4), notify::invalid_major_version));
  if (h.length < kHeaderLen || h.length > b.size())
    return Unexpected(error("header length " + std::to_string(h.length) + " for a datagram of " + std::to_string(b.size())));
  return h;
}

Result<std::vector<Payload>, ParseError> parse_payload_chain(uint8_t first, std::span<const uint8_t> b) {
  std::vector<Payload> out;
  uint8_t type = first;
  size_t at = 0;
  while (type != payload::none) {
    if (b.size() - at < 4) return Unexpected(error("payload type " + std::to_string(type) + " header cut short"));
    const uint8_t next = b[at];
    const bool critical = b[at + 1] & 0x80;
    const uint16_t len = load_be16(&b[at + 2]);
    if (len < 4 || len > b.size() - at)
      return Unexpected(error("payload type " + std::to_string(type) + " length " + std::to_string(len) + " with " +
                              std::to_string(b.size() - at) + " bytes left"));
    out.push_back(Payload{type, critical, {b.begin() + long(at + 4), b.begin() + long(at + len)}});
    at += len;
    if (type == payload::sk) break;  // SK is always last; its next-payload names its first inner one
    type = next;
  }
  return out;
}

Result<Message, ParseError> parse_message(std::span<const uint8_t> bytes) {
  auto h = parse_header(bytes);
  if (!h) return Unexpected(h.error());
  Message m;
  m.header = h.value();
  const auto body = bytes.subspan(kHeaderLen, m.header.length - kHeaderLen);
  // The SK payload's next-payload field is the first inner type: read it before the chain parser
  // stops there.
  auto chain = parse_payload_chain(m.header.next_payload, body);
  if (!chain) return Unexpected(chain.error());
  m.payloads = std::move(chain.value());
  if (!m.payloads.empty() && m.payloads.back().type == payload::sk) {
    size_t at = 0;
    for (size_t i = 0; i + 1 < m.payloads.size(); ++i) at += 4 + m.payloads[i].body.size();
    m.sk_first_inner = body[at];
  }
  return m;
}

std::vector<uint8_t> encode_payload_chain(const std::vector<Payload>& payloads, uint8_t next_after_last) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    const auto& p = payloads[i];
    out.push_back(i + 1 < payloads.size() ? payloads[i + 1].type : next_after_last);
    out.push_back(p.critical ? 0x80 : 0);
    put16(out, uint16_t(4 + p.body.size()));
    append(out, p.body);
  }
  return out;
}

std::vector<uint8_t> encode_message(Header h, const std::vector<Payload>& payloads) {
  std::vector<uint8_t> out;
  put64(out, h.spi_i);
  put64(out, h.spi_r);
  out.push_back(payloads.empty() ? 0 : payloads.front().type);
  out.push_back(h.version);
  out.push_back(uint8_t(h.exchange));
  out.push_back(h.flags);
  put32(out, h.message_id);
  put32(out, 0);
  append(out, encode_payload_chain(payloads));
  store_be32(&out[24], uint32_t(out.size()));
  return out;
}

// ---- SA ------------------------------------------------------------------------------------

std::vector<Transform> Proposal::of_type(uint8_t type) const {
  std::vector<Transform> out;
  for (const auto& t : transforms)
    if (t.type == type) out.push_back(t);
  return out;
}

Result<std::vector<Proposal>, ParseError> parse_sa(std::span<const uint8_t> b) {
  std::vector<Proposal> out;
  size_t at = 0;
  bool more = true;
  while (more) {
    if (b.size() - at < 8) return Unexpected(error("SA proposal header cut short"));
    more = b[at] == 2;
    if (b[at] != 0 && b[at] != 2) return Unexpected(error("SA proposal last/more byte " + std::to_string(b[at])));
    const uint16_t plen = load_be16(&b[at + 2]);
    if (plen < 8 || plen > b.size() - at) return Unexpected(error("SA proposal length " + std::to_string(plen)));
    Proposal p;
    p.number = b[at + 4];
    p.protocol = Protocol(b[at + 5]);
    const uint8_t spi_size = b[at + 6], count = b[at + 7];
    size_t t = at + 8;
    const size_t end = at + plen;
    if (spi_size > end - t) return Unexpected(error("SA proposal SPI size " + std::to_string(spi_size)));
    p.spi.assign(b.begin() + long(t), b.begin() + long(t + spi_size));
    t += spi_size;
    for (uint8_t i = 0; i < count; ++i) {
      if (end - t < 8) return Unexpected(error("SA transform " + std::to_string(i) + " header cut short"));
      const uint16_t tlen = load_be16(&b[t + 2]);
      if (tlen < 8 || tlen > end - t) return Unexpected(error("SA transform length " + std::to_string(tlen)));
      Transform tr;
      tr.type = b[t + 4];
      tr.id = load_be16(&b[t + 6]);
      // Attributes: only Key Length (14, TV format) is defined for IKEv2 transforms.
      for (size_t a = t + 8; a < t + tlen;) {
        if (t + tlen - a < 4) return Unexpected(error("SA transform attribute cut short"));
        const uint16_t af = load_be16(&b[a]);
        if (af & 0x8000) {
          if ((af & 0x7fff) == 14) tr.key_bits = load_be16(&b[a + 2]);
          a += 4;
        } else {
          const uint16_t alen = load_be16(&b[a + 2]);
          if (alen > t + tlen - a - 4) return Unexpected(error("SA transform attribute length " + std::to_string(alen)));
          a += 4 + alen;
        }
      }
      p.transforms.push_back(tr);
      t += tlen;
    }
    if (t != end) return Unexpected(error("SA proposal " + std::to_string(p.number) + " has bytes after its transforms"));
    out.push_back(std::move(p));
    at = end;
  }
  if (at != b.size()) return Unexpected(error("SA payload has bytes after its last proposal"));
  return out;
}

std::vector<uint8_t> encode_sa(const std::vector<Proposal>& proposals) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < proposals.size(); ++i) {
    const auto& p = proposals[i];
    std::vector<uint8_t> body;
    body.push_back(p.number);
    body.push_back(uint8_t(p.protocol));
    body.push_back(uint8_t(p.spi.size()));
    body.push_back(uint8_t(p.transforms.size()));
    append(body, p.spi);
    for (size_t k = 0; k < p.transforms.size(); ++k) {
      const auto& t = p.transforms[k];
      body.push_back(k + 1 < p.transforms.size() ? 3 : 0);
      body.push_back(0);
      put16(body, uint16_t(t.key_bits ? 12 : 8));
      body.push_back(t.type);
      body.push_back(0);
      put16(body, t.id);
      if (t.key_bits) {
        put16(body, 0x800e);
        put16(body, *t.key_bits);
      }
    }
    out.push_back(i + 1 < proposals.size() ? 2 : 0);
    out.push_back(0);
    put16(out, uint16_t(4 + body.size()));
    append(out, body);
  }
  return out;
}

// ---- KE, ID, AUTH, Notify, Delete, TS --------------------------------------------------------

Result<KeyExchange, ParseError> parse_ke(std::span<const uint8_t> b) {
  if (b.size() < 4) return Unexpected(error("KE payload shorter than 4 bytes"));
  return KeyExchange{load_be16(b.data()), {b.begin() + 4, b.end()}};
}
std::vector<uint8_t> encode_ke(const KeyExchange& ke) {
  std::vector<uint8_t> out;
  put16(out, ke.group);
  put16(out, 0);
  append(out, ke.data);
  return out;
}

Result<Identification, ParseError> parse_id(std::span<const uint8_t> b) {
  if (b.size() < 4) return Unexpected(error("ID payload shorter than 4 bytes"));
  Identification id{b[0], {b.begin() + 4, b.end()}};
  if (id.type == id_type::ipv4 && id.data.size() != 4) return Unexpected(error("ID_IPV4_ADDR of " + std::to_string(id.data.size()) + " bytes"));
  if (id.type == id_type::ipv6 && id.data.size() != 16) return Unexpected(error("ID_IPV6_ADDR of " + std::to_string(id.data.size()) + " bytes"));
  return id;
}
std::vector<uint8_t> encode_id(const Identification& id) {
  std::vector<uint8_t> out{id.type, 0, 0, 0};
  append(out, id.data);
  return out;
}
std::string Identification::to_string() const {
  if (type == id_type::ipv4 && data.size() == 4) return IpAddress::v4_from_host_order(load_be32(data.data())).to_string();
  if (type == id_type::ipv6 && data.size() == 16) {
    IpAddress a;
    a.v6 = true;
    std::memcpy(a.bytes.data(), data.data(), 16);
    return a.to_string();
  }
  if (type == id_type::fqdn || type == id_type::rfc822) return std::string(data.begin(), data.end());
  return "(ID type " + std::to_string(type) + ", " + std::to_string(data.size()) + " bytes)";
}

Result<Authentication, ParseError> parse_auth(std::span<const uint8_t> b) {
  if (b.size() < 4) return Unexpected(error("AUTH payload shorter than 4 bytes"));
  return Authentication{b[0], {b.begin() + 4, b.end()}};
}
std::vector<uint8_t> encode_auth(const Authentication& a) {
  std::vector<uint8_t> out{a.method, 0, 0, 0};
  append(out, a.data);
  return out;
}

Result<Notify, ParseError> parse_notify(std::span<const uint8_t> b) {
  if (b.size() < 4) return Unexpected(error("Notify payload shorter than 4 bytes"));
  const uint8_t spi_size = b[1];
  if (size_t(4) + spi_size > b.size()) return Unexpected(error("Notify SPI size " + std::to_string(spi_size)));
  Notify n;
  n.protocol = Protocol(b[0]);
  n.type = load_be16(b.data() + 2);
  n.spi.assign(b.begin() + 4, b.begin() + 4 + spi_size);
  n.data.assign(b.begin() + 4 + spi_size, b.end());
  return n;
}
std::vector<uint8_t> encode_notify(const Notify& n) {
  std::vector<uint8_t> out{uint8_t(n.spi.empty() ? 0 : uint8_t(n.protocol)), uint8_t(n.spi.size())};
  put16(out, n.type);
  append(out, n.spi);
  append(out, n.data);
  return out;
}

Result<Delete, ParseError> parse_delete(std::span<const uint8_t> b) {
  if (b.size() < 4) return Unexpected(error("Delete payload shorter than 4 bytes"));
  Delete d;
  d.protocol = Protocol(b[0]);
  const uint8_t spi_size = b[1];
  const uint16_t count = load_be16(b.data() + 2);
  if (size_t(spi_size) * count != b.size() - 4)
    return Unexpected(error("Delete with " + std::to_string(count) + " SPIs of " + std::to_string(spi_size) + " bytes in " +
                            std::to_string(b.size() - 4)));
  for (size_t i = 0; i < count; ++i)
    d.spis.emplace_back(b.begin() + long(4 + i * spi_size), b.begin() + long(4 + (i + 1) * spi_size));
  return d;
}
std::vector<uint8_t> encode_delete(const Delete& d) {
  std::vector<uint8_t> out{uint8_t(d.protocol), uint8_t(d.spis.empty() ? 0 : d.spis[0].size())};
  put16(out, uint16_t(d.spis.size()));
  for (const auto& s : d.spis) append(out, s);
  return out;
}

TrafficSelector TrafficSelector::any_v4() {
  TrafficSelector t;
  t.start = IpAddress::v4_from_host_order(0);
  t.end = IpAddress::v4_from_host_order(0xffffffff);
  return t;
}

Result<std::vector<TrafficSelector>, ParseError> parse_ts(std::span<const uint8_t> b) {
  if (b.size() < 4) return Unexpected(error("TS payload shorter than 4 bytes"));
  const uint8_t count = b[0];
  std::vector<TrafficSelector> out;
  size_t at = 4;
  for (uint8_t i = 0; i < count; ++i) {
    if (b.size() - at < 8) return Unexpected(error("traffic selector " + std::to_string(i) + " cut short"));
    const uint8_t type = b[at];
    const uint16_t len = load_be16(&b[at + 2]);
    const size_t alen = type == 7 ? 4 : type == 8 ? 16 : 0;
    if (alen == 0) return Unexpected(error("traffic selector type " + std::to_string(type)));
    if (len != 8 + 2 * alen || len > b.size() - at) return Unexpected(error("traffic selector length " + std::to_string(len)));
    TrafficSelector t;
    t.ip_protocol = b[at + 1];
    t.start_port = load_be16(&b[at + 4]);
    t.end_port = load_be16(&b[at + 6]);
    t.start.v6 = t.end.v6 = alen == 16;
    std::memcpy(t.start.bytes.data(), &b[at + 8], alen);
    std::memcpy(t.end.bytes.data(), &b[at + 8 + alen], alen);
    out.push_back(t);
    at += len;
  }
  if (at != b.size()) return Unexpected(error("TS payload has bytes after its selectors"));
  return out;
}

std::vector<uint8_t> encode_ts(const std::vector<TrafficSelector>& ts) {
  std::vector<uint8_t> out{uint8_t(ts.size()), 0, 0, 0};
  for (const auto& t : ts) {
    const size_t alen = t.start.v6 ? 16 : 4;
    out.push_back(t.start.v6 ? 8 : 7);
    out.push_back(t.ip_protocol);
    put16(out, uint16_t(8 + 2 * alen));
    put16(out, t.start_port);
    put16(out, t.end_port);
    append(out, std::span<const uint8_t>(t.start.bytes.data(), alen));
    append(out, std::span<const uint8_t>(t.end.bytes.data(), alen));
  }
  return out;
}

std::string exchange_name(Exchange e) {
  switch (e) {
    case Exchange::ike_sa_init: return "IKE_SA_INIT";
    case Exchange::ike_auth: return "IKE_AUTH";
    case Exchange::create_child_sa: return "CREATE_CHILD_SA";
    case Exchange::informational: return "INFORMATIONAL";
  }
  return "exchange " + std::to_string(int(e));
}

std::string notify_name(uint16_t t) {
  switch (t) {
    case notify::no_proposal_chosen: return "NO_PROPOSAL_CHOSEN";
    case notify::ts_unacceptable: return "TS_UNACCEPTABLE";
    case notify::authentication_failed: return "AUTHENTICATION_FAILED";
    case notify::invalid_ke_payload: return "INVALID_KE_PAYLOAD";
    case notify::invalid_syntax: return "INVALID_SYNTAX";
    case notify::cookie: return "COOKIE";
    case notify::nat_detection_source_ip: return "NAT_DETECTION_SOURCE_IP";
    case notify::nat_detection_destination_ip: return "NAT_DETECTION_DESTINATION_IP";
    case notify::rekey_sa: return "REKEY_SA";
    case notify::initial_contact: return "INITIAL_CONTACT";
    default: return "notify " + std::to_string(t);
  }
}

}  // namespace vpngw::ike
