#include "nat/eni.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "nat/checksum.hpp"

namespace vpngw::nat {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherArp = 0x0806;
constexpr uint16_t kArpRequest = 1, kArpReply = 2;
constexpr size_t kArpLen = 28;
constexpr size_t kMaxWaitingPerNeighbor = 16, kMaxWaitingTotal = 512;
constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

Mac mac_at(const uint8_t* p) {
  Mac m;
  std::memcpy(m.data(), p, 6);
  return m;
}

}  // namespace

std::span<uint8_t> Eni::receive(std::span<uint8_t> frame, uint32_t now) {
  if (frame.size() < kEthHeader) { count(EniCounter::drop_malformed); return {}; }
  const Mac dst = mac_at(frame.data());
  if (dst != cfg_.mac && dst != kBroadcast) { count(EniCounter::drop_not_for_us); return {}; }
  const uint16_t type = load_be16(frame.data() + 12);
  if (type == kEtherArp) {
    handle_arp(frame, now);
    return {};
  }
  if (type != kEtherIpv4) { count(EniCounter::drop_unsupported); return {}; }
  auto ip = frame.subspan(kEthHeader);
  if (ip.size() < 20 || (ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5) { count(EniCounter::drop_malformed); return {}; }
  const size_t ihl = size_t(ip[0] & 0x0f) * 4, total = load_be16(ip.data() + 2);
  if (total < ihl || total > ip.size()) { count(EniCounter::drop_malformed); return {}; }
  if (load_be32(ip.data() + 16) != cfg_.address) { count(EniCounter::drop_not_for_us); return {}; }
  // Echo to the ENI address itself is ours to answer (unless it is a fragment).
  const bool fragment = (load_be16(ip.data() + 6) & 0x3fff) != 0;
  if (ip[9] == 1 && !fragment && total >= ihl + 8 && ip[ihl] == 8 && ip[ihl + 1] == 0) {
    answer_echo(frame, total);
    return {};
  }
  count(EniCounter::to_nat);
  return ip.first(total);
}

void Eni::handle_arp(std::span<uint8_t> frame, uint32_t now) {
  (void)now;
  if (frame.size() < kEthHeader + kArpLen) { count(EniCounter::drop_malformed); return; }
  const uint8_t* a = frame.data() + kEthHeader;
  if (load_be16(a) != 1 || load_be16(a + 2) != kEtherIpv4 || a[4] != 6 || a[5] != 4) {
    count(EniCounter::drop_malformed);
    return;
  }
  const uint16_t op = load_be16(a + 6);
  const Mac sender_mac = mac_at(a + 8);
  const uint32_t sender_ip = load_be32(a + 14), target_ip = load_be32(a + 24);
  // Learn senders on our subnet, as hosts do (RFC 826's merge step), so replies need no ARP.
  if (contains(sender_ip) && sender_ip != cfg_.address) learn(sender_ip, sender_mac);
  if (op == kArpRequest && target_ip == cfg_.address) {
    send_arp(kArpReply, sender_mac, sender_mac, sender_ip);
    count(EniCounter::arp_replies_sent);
  }
}

void Eni::learn(uint32_t ip, const Mac& mac) {
  Neighbor& n = neighbors_[ip];
  n.mac = mac;
  n.resolved = true;
  while (!n.waiting.empty()) {
    std::vector<uint8_t>& f = n.waiting.front();
    std::memcpy(f.data(), mac.data(), 6);
    emit(f);
    count(EniCounter::frames_sent);
    n.waiting.pop_front();
    --waiting_total_;
  }
}

void Eni::emit(std::span<const uint8_t> frame) {
  constexpr size_t kMinFrame = 60;
  if (frame.size() >= kMinFrame) {
    out_.write_frame(frame);
    return;
  }
  std::array<uint8_t, kMinFrame> padded{};
  std::copy(frame.begin(), frame.end(), padded.begin());
  out_.write_frame(padded);
}

void Eni::send_arp(uint16_t op, const Mac& eth_dst, const Mac& target_mac, uint32_t target_ip) {
  std::array<uint8_t, kEthHeader + kArpLen> f{};
  std::memcpy(f.data(), eth_dst.data(), 6);
  std::memcpy(f.data() + 6, cfg_.mac.data(), 6);
  store_be16(f.data() + 12, kEtherArp);
  uint8_t* a = f.data() + kEthHeader;
  store_be16(a, 1);
  store_be16(a + 2, kEtherIpv4);
  a[4] = 6;
  a[5] = 4;
  store_be16(a + 6, op);
  std::memcpy(a + 8, cfg_.mac.data(), 6);
  store_be32(a + 14, cfg_.address);
  std::memcpy(a + 18, target_mac.data(), 6);
  store_be32(a + 24, target_ip);
  emit(f);
}

void Eni::answer_echo(std::span<uint8_t> frame, size_t ip_len) {
  uint8_t* eth = frame.data();
  uint8_t* ip = eth + kEthHeader;
  const size_t ihl = size_t(ip[0] & 0x0f) * 4;
  // Swap MACs and addresses, turn the request into a reply; the ICMP checksum changes by the type
  // byte only, the IP checksum not at all (the same words, swapped).
  uint8_t tmp[6];
  std::memcpy(tmp, eth, 6);
  std::memcpy(eth, eth + 6, 6);
  std::memcpy(eth + 6, tmp, 6);
  uint8_t addr[4];
  std::memcpy(addr, ip + 12, 4);
  std::memcpy(ip + 12, ip + 16, 4);
  std::memcpy(ip + 16, addr, 4);
  ip[8] = 64;
  ip[10] = ip[11] = 0;
  store_be16(ip + 10, checksum(ip, ihl));
  uint8_t* icmp = ip + ihl;
  icmp[0] = 0;
  icmp[2] = icmp[3] = 0;
  store_be16(icmp + 2, checksum(icmp, ip_len - ihl));
  emit(frame.first(kEthHeader + ip_len));
  count(EniCounter::echo_replies_sent);
}

void Eni::send(std::span<uint8_t> buf, size_t ip_len, uint32_t now) {
  const uint8_t* ip = buf.data() + kEthHeader;
  const uint32_t dst = load_be32(ip + 16);
  uint32_t next_hop = dst;
  if (!contains(dst)) {
    if (cfg_.gateway == 0) { count(EniCounter::drop_no_route); return; }
    next_hop = cfg_.gateway;
  }
  uint8_t* eth = buf.data();
  std::memcpy(eth + 6, cfg_.mac.data(), 6);
  store_be16(eth + 12, kEtherIpv4);
  auto it = neighbors_.find(next_hop);
  if (it != neighbors_.end() && it->second.resolved) {
    std::memcpy(eth, it->second.mac.data(), 6);
    emit(buf.first(kEthHeader + ip_len));
    count(EniCounter::frames_sent);
    return;
  }
  Neighbor& n = neighbors_[next_hop];
  if (n.waiting.size() >= kMaxWaitingPerNeighbor || waiting_total_ >= kMaxWaitingTotal) {
    count(EniCounter::drop_arp_queue_full);
  } else {
    n.waiting.emplace_back(buf.begin(), buf.begin() + long(kEthHeader + ip_len));
    ++waiting_total_;
  }
  // Ask again at most once a second while unresolved.
  if (n.asked_at == 0 || now - n.asked_at >= 1) {
    n.asked_at = now == 0 ? 1 : now;
    send_arp(kArpRequest, kBroadcast, Mac{}, next_hop);
    count(EniCounter::arp_requests_sent);
  }
}

}  // namespace vpngw::nat
