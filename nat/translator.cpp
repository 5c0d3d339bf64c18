#include "nat/translator.hpp"

#include <cstring>

#include "common/bytes.hpp"
#include "nat/checksum.hpp"

namespace vpngw::nat {
namespace {

constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04;
constexpr uint8_t kIcmpEchoReply = 0, kIcmpUnreachable = 3, kIcmpSourceQuench = 4, kIcmpRedirect = 5,
                  kIcmpEchoRequest = 8, kIcmpTimeExceeded = 11, kIcmpParamProblem = 12;
constexpr uint8_t kUnreachAdminProhibited = 13;
constexpr uint32_t kFragmentTimeout = 30;  // seconds a first fragment's mapping is remembered
constexpr size_t kFragmentSlots = 4096;

bool is_icmp_error(uint8_t type) {
  return type == kIcmpUnreachable || type == kIcmpSourceQuench || type == kIcmpRedirect || type == kIcmpTimeExceeded ||
         type == kIcmpParamProblem;
}

TimeoutClass tcp_class(uint8_t seen) {
  if ((seen & rst) || ((seen & fin_out) && (seen & fin_in))) return TimeoutClass::tcp_transitory;
  if ((seen & syn_out) && (seen & syn_in)) return TimeoutClass::tcp_established;
  return TimeoutClass::tcp_transitory;
}

uint8_t tcp_events(uint8_t flags, bool outbound) {
  uint8_t e = 0;
  if (flags & kTcpSyn) e |= outbound ? syn_out : syn_in;
  if (flags & kTcpFin) e |= outbound ? fin_out : fin_in;
  if (flags & kTcpRst) e |= rst;
  return e;
}

}  // namespace

// One IPv4 packet, checked: every pointer below is inside the packet.
struct Translator::Packet {
  uint8_t* ip = nullptr;
  size_t len = 0;  // IP total length (bytes past it are ignored)
  size_t ihl = 0;
  uint8_t proto = 0;
  bool later_fragment = false;  // offset > 0: no L4 header here
  bool more_fragments = false;
  uint16_t id = 0;
  uint8_t* l4 = nullptr;
  size_t l4_len = 0;

  uint32_t src() const { return load_be32(ip + 12); }
  uint32_t dst() const { return load_be32(ip + 16); }
  // The L4 checksum field, if this packet carries it and it is in use.
  uint8_t* l4_checksum() const {
    if (later_fragment) return nullptr;
    if (proto == uint8_t(Proto::tcp) && l4_len >= 18) return l4 + 16;
    if (proto == uint8_t(Proto::udp) && l4_len >= 8 && (l4[6] | l4[7])) return l4 + 6;  // 0: no checksum, keep it so
    return nullptr;
  }
  void set_addr(size_t offset, uint32_t value) {
    const uint32_t old = load_be32(ip + offset);
    checksum_replace32(ip + 10, htonl_(old), htonl_(value));
    if (uint8_t* c = l4_checksum()) fix_udp_zero(c, [&] { checksum_replace32(c, htonl_(old), htonl_(value)); });
    store_be32(ip + offset, value);
  }
  void set_src(uint32_t v) { set_addr(12, v); }
  void set_dst(uint32_t v) { set_addr(16, v); }
  // Source or destination port of TCP/UDP, or the ICMP echo identifier.
  void set_port(size_t offset, uint16_t value) {
    const uint16_t old = load_be16(l4 + offset);
    if (proto == uint8_t(Proto::icmp)) {
      checksum_replace16(l4 + 2, htons_(old), htons_(value));
    } else if (uint8_t* c = l4_checksum()) {
      fix_udp_zero(c, [&] { checksum_replace16(c, htons_(old), htons_(value)); });
    }
    store_be16(l4 + offset, value);
  }

  static uint32_t htonl_(uint32_t v) { uint32_t o; store_be32(reinterpret_cast<uint8_t*>(&o), v); return o; }
  static uint16_t htons_(uint16_t v) { uint16_t o; store_be16(reinterpret_cast<uint8_t*>(&o), v); return o; }
  // A UDP checksum that comes out as 0 is sent as 0xffff (0 means "none", RFC 768).
  template <typename F>
  void fix_udp_zero(uint8_t* c, F&& update) {
    update();
    if (proto == uint8_t(Proto::udp) && c[0] == 0 && c[1] == 0) c[0] = c[1] = 0xff;
  }
};

Translator::Translator(const TranslatorConfig& cfg)
    : cfg_(cfg), table_(cfg.capacity, uint8_t(cfg.eni_addresses.size()), cfg.timeouts), fragments_(kFragmentSlots) {}

std::optional<uint8_t> Translator::eni_of(uint32_t addr) const {
  for (size_t i = 0; i < cfg_.eni_addresses.size(); ++i)
    if (cfg_.eni_addresses[i] == addr) return uint8_t(i);
  return std::nullopt;
}

Verdict Translator::count(Action a, Counter c, uint8_t eni, size_t len) {
  counters_.add(c);
  return Verdict{a, c, eni, uint16_t(len)};
}

void Translator::expire(uint32_t now) { counters_.add(Counter::mappings_expired, table_.expire(now)); }

Translator::FragmentEntry& Translator::fragment_slot(uint32_t addr, uint16_t id, uint8_t proto, bool inbound) {
  uint64_t h = (uint64_t(addr) << 32 | uint64_t(id) << 16 | uint64_t(proto) << 1 | inbound) * 0x9e3779b97f4a7c15ull;
  return fragments_[(h >> 40) % fragments_.size()];
}

void Translator::remember_fragment(uint32_t addr, uint16_t id, uint8_t proto, bool inbound, uint32_t mapping,
                                   uint32_t now) {
  fragment_slot(addr, id, proto, inbound) = FragmentEntry{addr, mapping, now + kFragmentTimeout, id, proto, inbound};
}

uint32_t Translator::find_fragment(uint32_t addr, uint16_t id, uint8_t proto, bool inbound, uint32_t now) {
  const FragmentEntry& e = fragment_slot(addr, id, proto, inbound);
  if (e.mapping == kNil || e.addr != addr || e.ip_id != id || e.proto != proto || e.inbound != inbound ||
      int32_t(e.expires - now) <= 0)
    return kNil;
  return e.mapping;
}

// Parses and bounds-checks the IPv4 header, and the L4 header's minimum size when it is there.
static std::optional<Counter> parse_ipv4(uint8_t* data, size_t len, Translator::Packet& p) {
  if (len >= 1 && (data[0] >> 4) != 4) return Counter::drop_not_ipv4;
  if (len < 20) return Counter::drop_malformed;
  const size_t ihl = size_t(data[0] & 0x0f) * 4;
  const size_t total = load_be16(data + 2);
  if (ihl < 20 || total < ihl || total > len) return Counter::drop_malformed;
  p.ip = data;
  p.len = total;
  p.ihl = ihl;
  p.proto = data[9];
  p.id = load_be16(data + 4);
  const uint16_t frag = load_be16(data + 6);
  p.more_fragments = frag & 0x2000;
  p.later_fragment = (frag & 0x1fff) != 0;
  p.l4 = data + ihl;
  p.l4_len = total - ihl;
  if (p.later_fragment) return std::nullopt;
  const size_t need = p.proto == uint8_t(Proto::tcp) ? 20 : 8;
  if (p.proto == uint8_t(Proto::tcp) || p.proto == uint8_t(Proto::udp) || p.proto == uint8_t(Proto::icmp)) {
    if (p.l4_len < need) return Counter::drop_truncated_l4;
  }
  return std::nullopt;
}

Verdict Translator::outbound(std::span<uint8_t> pkt, size_t len, uint8_t eni, uint32_t now) {
  Packet p;
  if (auto bad = parse_ipv4(pkt.data(), std::min(len, pkt.size()), p)) return count(Action::drop, *bad, eni, len);
  if (eni >= cfg_.eni_addresses.size()) return count(Action::drop, Counter::drop_unsupported, eni, len);
  if ((p.src() & cfg_.client_mask) != cfg_.client_network || p.src() == cfg_.inside_address)
    return count(Action::drop, Counter::drop_source_not_client, eni, len);
  if (p.later_fragment) {
    const uint32_t m = find_fragment(p.src(), p.id, p.proto, false, now);
    if (m == kNil || table_.at(m).inside_addr != p.src()) return count(Action::drop, Counter::drop_fragment_no_mapping, eni, len);
    const uint8_t out_eni = table_.at(m).eni;
    p.set_src(cfg_.eni_addresses[out_eni]);
    return count(Action::to_outside, Counter::fragments_translated, out_eni, p.len);
  }
  Verdict v = translate_out(p, eni, now);
  if (v.action == Action::drop && (v.counter == Counter::drop_table_full || v.counter == Counter::drop_ports_exhausted))
    return refuse(pkt, p.len, v.counter);
  if (v.action != Action::to_outside) return v;
  // Hairpinning: to another client's mapping on one of our ENIs.
  if (auto target = eni_of(p.dst())) {
    Verdict back = translate_in(p, *target, now, true);
    if (back.action == Action::to_inside) return count(Action::to_inside, Counter::hairpinned, *target, p.len);
    return back;
  }
  return v;
}

Verdict Translator::translate_out(Packet& p, uint8_t eni, uint32_t now) {
  uint16_t port;
  size_t port_offset;
  TimeoutClass klass;
  uint8_t tcp_flags = 0;
  switch (Proto(p.proto)) {
    case Proto::tcp:
      port = load_be16(p.l4), port_offset = 0, tcp_flags = p.l4[13], klass = TimeoutClass::tcp_transitory;
      break;
    case Proto::udp:
      port = load_be16(p.l4), port_offset = 0, klass = TimeoutClass::udp;
      break;
    case Proto::icmp:
      if (is_icmp_error(p.l4[0])) return icmp_error_out(p, eni);
      if (p.l4[0] != kIcmpEchoRequest) return count(Action::drop, Counter::drop_unsupported, eni, p.len);
      port = load_be16(p.l4 + 4), port_offset = 4, klass = TimeoutClass::icmp;
      break;
    default:
      return count(Action::drop, Counter::drop_unsupported, eni, p.len);
  }
  const Proto proto = Proto(p.proto);
  uint32_t m = table_.find_inside(eni, proto, p.src(), port);
  if (m == kNil) {
    auto created = table_.create(eni, proto, p.src(), port, klass, now);
    if (!created) return Verdict{Action::drop, created.error(), eni, uint16_t(p.len)};  // counted by refuse()
    m = created->index;
    counters_.add(Counter::mappings_created);
    if (created->port_preserved) counters_.add(Counter::ports_preserved);
  }
  Mapping& map = table_.at(m);
  if (proto == Proto::tcp) {
    map.tcp_seen |= tcp_events(tcp_flags, true);
    klass = tcp_class(map.tcp_seen);
  }
  table_.refresh(m, klass, now);
  const uint16_t out_port = map.outside_port;
  p.set_src(cfg_.eni_addresses[eni]);
  if (out_port != port) p.set_port(port_offset, out_port);
  if (p.more_fragments) remember_fragment(map.inside_addr, p.id, p.proto, false, m, now);
  return count(Action::to_outside, Counter::out_translated, eni, p.len);
}

Verdict Translator::inbound(std::span<uint8_t> pkt, size_t len, uint8_t eni, uint32_t now) {
  Packet p;
  if (auto bad = parse_ipv4(pkt.data(), std::min(len, pkt.size()), p)) return count(Action::drop, *bad, eni, len);
  if (eni >= cfg_.eni_addresses.size() || p.dst() != cfg_.eni_addresses[eni])
    return count(Action::drop, Counter::drop_no_mapping, eni, len);
  if (p.later_fragment) {
    const uint32_t m = find_fragment(p.src(), p.id, p.proto, true, now);
    if (m == kNil) return count(Action::drop, Counter::drop_fragment_no_mapping, eni, len);
    p.set_dst(table_.at(m).inside_addr);
    return count(Action::to_inside, Counter::fragments_translated, eni, p.len);
  }
  return translate_in(p, eni, now, false);
}

Verdict Translator::translate_in(Packet& p, uint8_t eni, uint32_t now, bool hairpin) {
  uint16_t port;
  size_t port_offset;
  switch (Proto(p.proto)) {
    case Proto::tcp:
    case Proto::udp:
      port = load_be16(p.l4 + 2), port_offset = 2;
      break;
    case Proto::icmp:
      if (is_icmp_error(p.l4[0])) return icmp_error_in(p, eni);
      if (p.l4[0] != kIcmpEchoReply) return count(Action::drop, Counter::drop_unsupported, eni, p.len);
      port = load_be16(p.l4 + 4), port_offset = 4;
      break;
    default:
      return count(Action::drop, Counter::drop_unsupported, eni, p.len);
  }
  const uint32_t m = table_.find_outside(eni, Proto(p.proto), port);
  if (m == kNil) return count(Action::drop, Counter::drop_no_mapping, eni, p.len);
  Mapping& map = table_.at(m);
  if (map.proto == Proto::tcp) {
    // TCP state moves with both directions; UDP and ICMP mappings refresh on outbound only.
    map.tcp_seen |= tcp_events(p.l4[13], false);
    table_.refresh(m, tcp_class(map.tcp_seen), now);
  }
  const uint16_t inside_port = map.inside_port;
  p.set_dst(map.inside_addr);
  if (inside_port != port) p.set_port(port_offset, inside_port);
  if (p.more_fragments) remember_fragment(p.src(), p.id, p.proto, true, m, now);
  return hairpin ? Verdict{Action::to_inside, Counter::hairpinned, eni, uint16_t(p.len)}
                 : count(Action::to_inside, Counter::in_translated, eni, p.len);
}

// The packet an ICMP error quotes: its IP header and the first 8 bytes after it.
static bool parse_embedded(Translator::Packet& outer, Translator::Packet& inner) {
  uint8_t* e = outer.l4 + 8;
  const size_t avail = outer.l4_len - 8;
  if (outer.l4_len < 8 + 20 || (e[0] >> 4) != 4) return false;
  const size_t ihl = size_t(e[0] & 0x0f) * 4;
  if (ihl < 20 || avail < ihl + 8) return false;
  inner.ip = e;
  inner.ihl = ihl;
  inner.len = avail;  // only what is quoted
  inner.proto = e[9];
  inner.later_fragment = (load_be16(e + 6) & 0x1fff) != 0;
  inner.l4 = e + ihl;
  inner.l4_len = avail - ihl;
  return !inner.later_fragment;
}

static void refresh_icmp_checksum(Translator::Packet& p) {
  p.l4[2] = p.l4[3] = 0;
  const uint16_t c = checksum(p.l4, p.l4_len);
  store_be16(p.l4 + 2, c);
}

// An ICMP error from outside about a packet a client sent (embedded source = ENI address).
Verdict Translator::icmp_error_in(Packet& p, uint8_t eni) {
  Packet inner;
  if (!parse_embedded(p, inner) || inner.src() != cfg_.eni_addresses[eni])
    return count(Action::drop, Counter::drop_icmp_error_no_mapping, eni, p.len);
  uint16_t port;
  size_t offset;
  if (inner.proto == uint8_t(Proto::tcp) || inner.proto == uint8_t(Proto::udp)) port = load_be16(inner.l4), offset = 0;
  else if (inner.proto == uint8_t(Proto::icmp) && inner.l4[0] == kIcmpEchoRequest) port = load_be16(inner.l4 + 4), offset = 4;
  else return count(Action::drop, Counter::drop_icmp_error_no_mapping, eni, p.len);
  const uint32_t m = table_.find_outside(eni, Proto(inner.proto), port);
  if (m == kNil) return count(Action::drop, Counter::drop_icmp_error_no_mapping, eni, p.len);
  const Mapping& map = table_.at(m);  // not refreshed: errors never keep a mapping alive
  inner.set_src(map.inside_addr);
  if (map.inside_port != port) inner.set_port(offset, map.inside_port);
  refresh_icmp_checksum(p);
  p.set_dst(map.inside_addr);
  return count(Action::to_inside, Counter::icmp_errors_translated, eni, p.len);
}

// An ICMP error from a client about a packet it received through us (embedded destination = client).
Verdict Translator::icmp_error_out(Packet& p, uint8_t eni) {
  Packet inner;
  if (!parse_embedded(p, inner)) return count(Action::drop, Counter::drop_icmp_error_no_mapping, eni, p.len);
  uint16_t port;
  size_t offset;
  if (inner.proto == uint8_t(Proto::tcp) || inner.proto == uint8_t(Proto::udp)) port = load_be16(inner.l4 + 2), offset = 2;
  else if (inner.proto == uint8_t(Proto::icmp) && inner.l4[0] == kIcmpEchoReply) port = load_be16(inner.l4 + 4), offset = 4;
  else return count(Action::drop, Counter::drop_icmp_error_no_mapping, eni, p.len);
  const uint32_t m = table_.find_inside(eni, Proto(inner.proto), inner.dst(), port);
  if (m == kNil) return count(Action::drop, Counter::drop_icmp_error_no_mapping, eni, p.len);
  const Mapping& map = table_.at(m);
  inner.set_dst(cfg_.eni_addresses[eni]);
  if (map.outside_port != port) inner.set_port(offset, map.outside_port);
  refresh_icmp_checksum(p);
  p.set_src(cfg_.eni_addresses[eni]);
  return count(Action::to_outside, Counter::icmp_errors_translated, eni, p.len);
}

// Replaces the packet with ICMP destination unreachable, administratively prohibited (3/13), back
// to the client: RFC 5508 REQ-8's answer to "no mapping can be made".
Verdict Translator::refuse(std::span<uint8_t> pkt, size_t len, Counter why) {
  counters_.add(why);
  const uint8_t* ip = pkt.data();
  const size_t ihl = size_t(ip[0] & 0x0f) * 4;
  const bool is_error = ip[9] == uint8_t(Proto::icmp) && len > ihl && is_icmp_error(ip[ihl]);
  if (is_error || pkt.size() < kIcmpErrorMax || cfg_.inside_address == 0) return Verdict{Action::drop, why, 0, 0};
  const size_t quoted = std::min(len, ihl + 8);
  const uint32_t client = load_be32(ip + 12);
  std::memmove(pkt.data() + 28, pkt.data(), quoted);
  uint8_t* out = pkt.data();
  const size_t total = 28 + quoted;
  std::memset(out, 0, 28);
  out[0] = 0x45;
  store_be16(out + 2, uint16_t(total));
  out[8] = 64;
  out[9] = uint8_t(Proto::icmp);
  store_be32(out + 12, cfg_.inside_address);
  store_be32(out + 16, client);
  store_be16(out + 10, checksum(out, 20));
  out[20] = kIcmpUnreachable;
  out[21] = kUnreachAdminProhibited;
  store_be16(out + 22, checksum(out + 20, total - 20));
  return Verdict{Action::reply, why, 0, uint16_t(total)};
}

}  // namespace vpngw::nat
