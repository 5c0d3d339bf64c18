#include "dataplane/worker.hpp"

#include <array>
#include <cerrno>
#include <ctime>
#include <memory>
#include <system_error>
#include <vector>

#include "common/clock.hpp"
#include "dataplane/esp.hpp"
#include "dataplane/pipeline.hpp"

namespace vpngw {

Worker::Worker(TunDevice& tun, size_t queue, UdpSocket& udp, Snapshot<Fib>& fib, Snapshot<SaTable>& sas,
               ControlInbox* inbox)
    : tun_(tun),
      queue_(queue),
      udp_(udp),
      inbox_(inbox),
      out_fib_(fib.add_reader()),
      out_sas_(sas.add_reader()),
      in_sas_(sas.add_reader()) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  loops_.spawn([this] { run_outbound(); });
  loops_.spawn([this] { run_inbound(); });
}

void Worker::stop() { loops_.stop(); }

void Worker::run_outbound() {
  SlotArena arena(kBatchSize, kSlotSize);
  std::array<PacketView, kBatchSize> views;
  std::array<Datagram, kBatchSize> dgrams;
  const size_t inner_capacity = kSlotSize - kEspHeadroom - kEspMaxTailroom;
  const int fd = tun_.fd(queue_);

  while (loops_.wait(fd) == Wake::readable) {
    for (size_t i = 0; i < kBatchSize; ++i) views[i] = {arena.slot(i) + kEspHeadroom, inner_capacity};
    const size_t n = tun_.read_batch(queue_, views);
    if (n == 0) continue;

    const Fib* fib = out_fib_.enter();
    const SaTable* sas = out_sas_.enter();
    const int64_t now = monotonic_ns();
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      auto r = process_outbound(*fib, *sas, {arena.slot(i), kSlotSize}, views[i].len, now);
      if (!r) {
        out_counters_.add(r.error());
        continue;
      }
      out_counters_.add(Counter::tx_packets);
      out_counters_.add(Counter::tx_bytes, views[i].len);
      auto* peer = const_cast<sockaddr_storage*>(&r->tunnel->peer);  // sendmmsg only reads it
      dgrams[m++] = {arena.slot(i), r->esp_len, peer, r->tunnel->peer_len};
    }
    const size_t sent = udp_.send_batch({dgrams.data(), m});
    if (sent < m) out_counters_.add(Counter::drop_tx_send_error, m - sent);
    out_sas_.leave();
    out_fib_.leave();
  }
}

void Worker::run_inbound() {
  SlotArena arena(kBatchSize, kSlotSize);
  std::array<Datagram, kBatchSize> dgrams;
  std::array<sockaddr_storage, kBatchSize> peers;
  std::array<PacketView, kBatchSize> out;

  while (loops_.wait(udp_.fd()) == Wake::readable) {
    for (size_t i = 0; i < kBatchSize; ++i) dgrams[i] = {arena.slot(i), kSlotSize, &peers[i], 0};
    const size_t n = udp_.recv_batch(dgrams);
    if (n == 0) continue;

    const int64_t now = monotonic_ns();
    const SaTable* sas = in_sas_.enter();
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      auto r = process_inbound(*sas, {dgrams[i].data, dgrams[i].len}, now);
      if (!r) {
        in_counters_.add(r.error());
        if (r.error() == Counter::rx_non_esp && inbox_ &&
            !inbox_->push({dgrams[i].data, dgrams[i].len}, peers[i], dgrams[i].peer_len))
          in_counters_.add(Counter::drop_rx_control_full);
        continue;
      }
      out[m++] = {dgrams[i].data + r->offset, r->len};
    }
    in_sas_.leave();

    const size_t written = tun_.write_batch(queue_, {out.data(), m});
    in_counters_.add(Counter::rx_packets, written);
    for (size_t i = 0; i < m; ++i) in_counters_.add(Counter::rx_bytes, out[i].len);
    if (written < m) in_counters_.add(Counter::drop_rx_tun_write, m - written);
  }
}

}  // namespace vpngw
