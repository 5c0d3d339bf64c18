#include "dataplane/pipeline.hpp"

#include "common/bytes.hpp"

namespace vpngw {
namespace {

// A flow's hash for multipath routes: addresses, protocol and, for unfragmented TCP/UDP/SCTP,
// the ports, so one flow keeps one tunnel (no reordering) and flows spread. Only computed when
// the route is a multipath group.
uint32_t flow_hash(const uint8_t* p, size_t len) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  auto mix = [&h](uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
  };
  uint8_t proto = 0;
  size_t l4 = 0;
  bool first_fragment = true;
  if (p[0] >> 4 == 4) {
    mix(load_be32(p + 12));
    mix(load_be32(p + 16));
    proto = p[9];
    l4 = size_t(p[0] & 0x0f) * 4;
    first_fragment = (load_be16(p + 6) & 0x3fff) == 0;  // neither MF nor an offset
  } else {
    mix(load_be64(p + 8) ^ load_be64(p + 16));
    mix(load_be64(p + 24) ^ load_be64(p + 32));
    proto = p[6];
    l4 = 40;
  }
  mix(proto);
  if (first_fragment && (proto == 6 || proto == 17 || proto == 132) && len >= l4 + 4) mix(load_be32(p + l4));
  return uint32_t(h ^ (h >> 32));
}

// The inner packet's destination, or nullopt when it is not a whole IPv4/IPv6 header.
std::optional<TunnelId> route(const Fib& fib, const uint8_t* p, size_t len) {
  if (len < 1) return std::nullopt;
  const unsigned version = p[0] >> 4;
  std::optional<TunnelId> t;
  if (version == 4 && len >= 20) {
    t = fib.lookup_v4(load_be32(p + 16));
  } else if (version == 6 && len >= 40) {
    unsigned __int128 dst = 0;
    for (int i = 0; i < 16; ++i) dst = dst << 8 | p[24 + i];
    t = fib.lookup_v6(dst);
  }
  if (t && Fib::is_group(*t)) t = fib.resolve(*t, flow_hash(p, len));
  return t;
}

bool is_ip(const uint8_t* p, size_t len) {
  return len >= 1 && (((p[0] >> 4) == 4 && len >= 20) || ((p[0] >> 4) == 6 && len >= 40));
}

// The decrypted packet must be the IP version the ESP trailer claims and fit its own length
// field; anything else is written nowhere (a peer with the keys is still not trusted blindly).
Result<size_t, Counter> check_inner(const uint8_t* p, size_t len, uint8_t next_header) {
  if (next_header == kNextHeaderIpv4 && len >= 20 && p[0] >> 4 == 4 && (p[0] & 0x0f) >= 5) {
    const size_t total = load_be16(p + 2);
    if (total >= 20 && total <= len) return total;  // drops TFC padding beyond the IP length
  } else if (next_header == kNextHeaderIpv6 && len >= 40 && p[0] >> 4 == 6) {
    const size_t total = 40 + size_t(load_be16(p + 4));
    if (total <= len) return total;
  }
  return Unexpected(Counter::drop_rx_bad_inner);
}

}  // namespace

Result<Sealed, Counter> process_outbound(const Fib& fib, const SaTable& sas, std::span<uint8_t> slot,
                                         size_t inner_len, int64_t now_ns) {
  const uint8_t* inner = slot.data() + kEspHeadroom;
  if (!is_ip(inner, inner_len)) return Unexpected(Counter::drop_tx_not_ip);
  const auto tunnel_id = route(fib, inner, inner_len);
  if (!tunnel_id) return Unexpected(Counter::drop_tx_no_route);
  const TunnelEntry* tunnel = sas.tunnel(*tunnel_id);
  if (!tunnel || !tunnel->outbound) return Unexpected(Counter::drop_tx_no_sa);
  OutboundSa& sa = *tunnel->outbound;
  if (sa.policer && !sa.policer->admit(inner_len, now_ns)) return Unexpected(Counter::drop_tx_rate_limit);
  const uint8_t nh = (inner[0] >> 4) == 4 ? kNextHeaderIpv4 : kNextHeaderIpv6;
  auto sealed = esp_seal(sa, slot, inner_len, nh);
  if (!sealed) return Unexpected(counter_for(sealed.error(), true));
  SaCounters::bump(sa.counters.packets, 1);
  SaCounters::bump(sa.counters.bytes, inner_len);
  return Sealed{tunnel, sealed.value()};
}

Result<Opened, Counter> process_inbound(const SaTable& sas, std::span<uint8_t> udp_payload, int64_t now_ns) {
  // RFC 3948 2.2/2.3: a lone 0xff is a NAT keepalive; four zero bytes mark IKE (SPI 0 is invalid).
  if (udp_payload.size() == 1 && udp_payload[0] == 0xff) return Unexpected(Counter::rx_nat_keepalive);
  if (udp_payload.size() >= 4 && load_be32(udp_payload.data()) == 0) return Unexpected(Counter::rx_non_esp);
  auto spi = esp_peek_spi(udp_payload);
  if (!spi) return Unexpected(counter_for(spi.error(), false));
  InboundSa* sa = sas.find_inbound(spi.value());
  if (!sa) return Unexpected(Counter::drop_rx_unknown_spi);

  auto opened = esp_open(*sa, udp_payload);
  if (!opened) {
    const EspError e = opened.error();
    if (e == EspError::bad_icv) SaCounters::bump(sa->counters.auth_failures, 1);
    if (e == EspError::replayed || e == EspError::too_old) SaCounters::bump(sa->counters.replay_drops, 1);
    return Unexpected(counter_for(e, false));
  }
  const auto& o = opened.value();
  auto inner_len = check_inner(udp_payload.data() + o.inner_offset, o.inner_len, o.next_header);
  if (!inner_len) return Unexpected(inner_len.error());
  if (sa->policer && !sa->policer->admit(inner_len.value(), now_ns)) return Unexpected(Counter::drop_rx_rate_limit);
  SaCounters::bump(sa->counters.packets, 1);
  SaCounters::bump(sa->counters.bytes, inner_len.value());
  sa->counters.last_packet_ns.store(now_ns, std::memory_order_relaxed);
  return Opened{o.inner_offset, inner_len.value()};
}

}  // namespace vpngw
