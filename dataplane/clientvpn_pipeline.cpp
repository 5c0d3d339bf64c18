#include "dataplane/clientvpn_pipeline.hpp"

#include <netinet/in.h>

#include <cstring>

#include "common/bytes.hpp"
#include "dataplane/openvpn_wire.hpp"

namespace vpngw {

bool AccessPolicy::allows(uint32_t dst) const {
  auto matches = [dst](const Prefix& p) {
    const uint32_t mask = p.len == 0 ? 0 : ~uint32_t(0) << (32 - p.len);
    return (dst & mask) == p.network;
  };
  bool routed = false;
  for (const auto& r : routes) routed = routed || matches(r);
  if (!routed) return false;
  int best = -1;
  bool allowed = false;
  for (const auto& r : rules) {
    if (!matches(r) || int(r.len) < best) continue;
    if (int(r.len) > best) allowed = false;  // a more specific rule decides alone
    best = r.len;
    allowed = allowed || r.allow;
  }
  return allowed;
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
    return x.sin6_port == y.sin6_port && std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
  }
  return false;
}

Result<InboundResult, CvpnCounter> clientvpn_inbound(const ClientTable& clients, std::span<uint8_t> d,
                                                     const sockaddr_storage& from, uint64_t now_ns) {
  if (d.empty()) return Unexpected(CvpnCounter::drop_rx_malformed);
  const uint8_t op = ovpn::opcode_of(d[0]);
  if (ovpn::is_control(op)) return InboundResult{InboundResult::Kind::control, d};
  auto header = ovpn::parse_data_v2_header(d);
  if (!header || d.size() < ovpn::kDataV2Overhead) return Unexpected(CvpnCounter::drop_rx_malformed);
  auto it = clients.by_peer_id.find(header->peer_id);
  if (it == clients.by_peer_id.end()) return Unexpected(CvpnCounter::drop_rx_unknown_peer);
  const ClientEntry& client = *it->second;
  if (!same_address(client.address, from)) return Unexpected(CvpnCounter::drop_rx_wrong_address);
  ClientKeys* keys = client.keys_for(header->key_id);
  if (!keys) return Unexpected(CvpnCounter::drop_rx_unknown_key);
  const uint32_t packet_id = load_be32(d.data() + 4);
  if (packet_id == 0 || keys->replay.check(packet_id) != ReplayWindow::Verdict::ok) {
    return Unexpected(CvpnCounter::drop_rx_replay);
  }
  auto opened = ovpn::open_data_v2(*keys->open, d);
  if (!opened) return Unexpected(CvpnCounter::drop_rx_bad_tag);
  keys->replay.accept(packet_id);
  client.counters->last_rx_ns.store(now_ns, std::memory_order_relaxed);
  std::span<uint8_t> p = opened->plaintext;
  if (ovpn::is_ping(p)) return InboundResult{InboundResult::Kind::ping, {}};
  if (ovpn::is_occ_exit(p)) {
    client.counters->exit_notified.store(true, std::memory_order_relaxed);
    return InboundResult{InboundResult::Kind::exit_notify, {}};
  }
  if (p.size() < 20 || (p[0] >> 4) != 4 || size_t(p[0] & 0x0f) * 4 < 20 || load_be16(&p[2]) > p.size() ||
      load_be16(&p[2]) < size_t(p[0] & 0x0f) * 4) {
    return Unexpected(CvpnCounter::drop_rx_not_ipv4);
  }
  p = p.first(load_be16(&p[2]));
  if (load_be32(&p[12]) != client.tunnel_ip) {
    client.counters->drop_spoofed.store(client.counters->drop_spoofed.load(std::memory_order_relaxed) + 1,
                                        std::memory_order_relaxed);
    return Unexpected(CvpnCounter::drop_rx_spoofed);
  }
  if (!client.access || !client.access->allows(load_be32(&p[16]))) {
    client.counters->drop_unauthorized.store(
        client.counters->drop_unauthorized.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return Unexpected(CvpnCounter::drop_rx_unauthorized);
  }
  auto& c = *client.counters;
  c.rx_packets.store(c.rx_packets.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  c.rx_bytes.store(c.rx_bytes.load(std::memory_order_relaxed) + p.size(), std::memory_order_relaxed);
  return InboundResult{InboundResult::Kind::ip_packet, p};
}

Result<OutboundResult, CvpnCounter> clientvpn_outbound(const ClientTable& clients, std::span<uint8_t> slot,
                                                       size_t len) {
  const uint8_t* p = slot.data() + kClientVpnHeadroom;
  if (len < 20 || (p[0] >> 4) != 4) return Unexpected(CvpnCounter::drop_tx_not_ipv4);
  auto it = clients.by_tunnel_ip.find(load_be32(p + 16));
  if (it == clients.by_tunnel_ip.end()) return Unexpected(CvpnCounter::drop_tx_no_client);
  const ClientEntry& client = *it->second;
  ClientKeys* keys = client.primary.get();
  if (!keys) return Unexpected(CvpnCounter::drop_tx_no_key);
  const uint32_t packet_id = keys->next_packet_id.load(std::memory_order_relaxed);
  if (packet_id == UINT32_MAX) return Unexpected(CvpnCounter::drop_tx_packet_id_exhausted);
  if (slot.size() < kClientVpnHeadroom + len) return Unexpected(CvpnCounter::drop_tx_too_big);
  keys->next_packet_id.store(packet_id + 1, std::memory_order_relaxed);
  const size_t n = ovpn::seal_data_v2(*keys->seal, keys->key_id, client.peer_id, packet_id,
                                      {slot.data() + kClientVpnHeadroom, len}, slot);
  if (n == 0) return Unexpected(CvpnCounter::drop_tx_crypto);
  auto& c = *client.counters;
  c.tx_packets.store(c.tx_packets.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  c.tx_bytes.store(c.tx_bytes.load(std::memory_order_relaxed) + len, std::memory_order_relaxed);
  return OutboundResult{n, &client};
}

size_t clientvpn_ping(const ClientEntry& client, std::span<uint8_t> out) {
  ClientKeys* keys = client.primary.get();
  if (!keys) return 0;
  const uint32_t packet_id = keys->next_packet_id.load(std::memory_order_relaxed);
  if (packet_id == UINT32_MAX || out.size() < kClientVpnHeadroom + ovpn::kPingMagic.size()) return 0;
  keys->next_packet_id.store(packet_id + 1, std::memory_order_relaxed);
  std::memcpy(out.data() + kClientVpnHeadroom, ovpn::kPingMagic.data(), ovpn::kPingMagic.size());
  return ovpn::seal_data_v2(*keys->seal, keys->key_id, client.peer_id, packet_id,
                            {out.data() + kClientVpnHeadroom, ovpn::kPingMagic.size()}, out);
}

}  // namespace vpngw
