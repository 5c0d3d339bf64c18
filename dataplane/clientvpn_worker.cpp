#include "dataplane/clientvpn_worker.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <system_error>

#include "common/clock.hpp"

namespace vpngw {
namespace {

constexpr size_t kBatch = 64;
constexpr size_t kSlot = 2048;  // a 1500-byte tunnel MTU plus OpenVPN's 24 bytes, with room

}  // namespace

ClientVpnWorker::ClientVpnWorker(TunDevice& tun, UdpSocket& udp, Snapshot<ClientTable>& clients, ControlInbox& inbox)
    : tun_(tun), udp_(udp), inbox_(inbox), in_clients_(clients.add_reader()), out_clients_(clients.add_reader()) {}

ClientVpnWorker::~ClientVpnWorker() { stop(); }

void ClientVpnWorker::start() {
  loops_.spawn([this] { run_inbound(); });
  loops_.spawn([this] { run_outbound(); });
}

void ClientVpnWorker::stop() { loops_.stop(); }

void ClientVpnWorker::send_pings(uint64_t now_ns) {
  constexpr uint64_t kPingIntervalNs = 10'000'000'000;  // what we push as "ping 10"
  uint8_t buf[128];
  const ClientTable* clients = out_clients_.enter();
  for (const auto& [peer_id, e] : clients->by_peer_id) {
    auto& last = e->counters->last_tx_ns;
    if (now_ns - last.load(std::memory_order_relaxed) < kPingIntervalNs) continue;
    const size_t n = clientvpn_ping(*e, buf);
    if (n == 0) continue;
    last.store(now_ns, std::memory_order_relaxed);
    Datagram d{buf, n, const_cast<sockaddr_storage*>(&e->address), e->address_len};
    if (udp_.send_batch({&d, 1}) == 1) {
      out_counters_.add(CvpnCounter::tx_ping);
    } else {
      out_counters_.add(CvpnCounter::drop_tx_send_error);
    }
  }
  out_clients_.leave();
}

void ClientVpnWorker::run_inbound() {
  SlotArena arena(kBatch, kSlot);
  std::array<Datagram, kBatch> dgrams;
  std::array<sockaddr_storage, kBatch> peers;
  std::array<PacketView, kBatch> out;
  while (loops_.wait(udp_.fd()) == Wake::readable) {
    for (size_t i = 0; i < kBatch; ++i) dgrams[i] = {arena.slot(i), kSlot, &peers[i], sizeof(sockaddr_storage)};
    const size_t n = udp_.recv_batch(dgrams);
    if (n == 0) continue;
    const uint64_t now = uint64_t(monotonic_ns());
    const ClientTable* clients = in_clients_.enter();
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      auto r = clientvpn_inbound(*clients, {dgrams[i].data, dgrams[i].len}, peers[i], now);
      if (!r) {
        in_counters_.add(r.error());
        continue;
      }
      switch (r->kind) {
        case InboundResult::Kind::ip_packet:
          out[m++] = {r->packet.data(), r->packet.size()};
          in_counters_.add(CvpnCounter::rx_bytes, r->packet.size());
          break;
        case InboundResult::Kind::ping: in_counters_.add(CvpnCounter::rx_ping); break;
        case InboundResult::Kind::exit_notify: in_counters_.add(CvpnCounter::rx_exit_notify); break;
        case InboundResult::Kind::control:
          if (inbox_.push({dgrams[i].data, dgrams[i].len}, peers[i], dgrams[i].peer_len)) {
            in_counters_.add(CvpnCounter::rx_control);
          } else {
            in_counters_.add(CvpnCounter::drop_rx_control_full);
          }
          break;
      }
    }
    in_clients_.leave();
    const size_t written = tun_.write_batch(0, {out.data(), m});
    in_counters_.add(CvpnCounter::rx_packets, written);
    if (written < m) in_counters_.add(CvpnCounter::drop_rx_tun_write, m - written);
  }
}

void ClientVpnWorker::run_outbound() {
  SlotArena arena(kBatch, kSlot);
  std::array<PacketView, kBatch> views;
  std::array<Datagram, kBatch> dgrams;
  const int fd = tun_.fd(0);
  uint64_t last_sweep = 0;
  for (;;) {
    const Wake w = loops_.wait(fd, 1000);
    if (w == Wake::stop) return;
    const uint64_t now = uint64_t(monotonic_ns());
    if (now - last_sweep >= 1'000'000'000) {
      last_sweep = now;
      send_pings(now);
    }
    if (w == Wake::timeout) continue;
    for (size_t i = 0; i < kBatch; ++i) views[i] = {arena.slot(i) + kClientVpnHeadroom, kSlot - kClientVpnHeadroom};
    const size_t n = tun_.read_batch(0, views);
    if (n == 0) continue;
    const ClientTable* clients = out_clients_.enter();
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      auto r = clientvpn_outbound(*clients, {arena.slot(i), kSlot}, views[i].len);
      if (!r) {
        out_counters_.add(r.error());
        continue;
      }
      out_counters_.add(CvpnCounter::tx_packets);
      out_counters_.add(CvpnCounter::tx_bytes, views[i].len);
      r->client->counters->last_tx_ns.store(now, std::memory_order_relaxed);
      auto* peer = const_cast<sockaddr_storage*>(&r->client->address);  // sendmmsg only reads it
      dgrams[m++] = {arena.slot(i), r->len, peer, r->client->address_len};
    }
    const size_t sent = udp_.send_batch({dgrams.data(), m});
    if (sent < m) out_counters_.add(CvpnCounter::drop_tx_send_error, m - sent);
    out_clients_.leave();
  }
}

}  // namespace vpngw
