// The packet loops of one gateway. Per direction one thread, each owning its buffers, its
// counters and (for now) the SAs of its direction:
//
//   outbound: poll TUN -> read a batch -> [enter FIB + SA snapshots] -> process_outbound each
//             packet -> sendmmsg the batch -> [leave snapshots]
//   inbound:  poll UDP -> recvmmsg a batch -> [enter SA snapshot] -> process_inbound each
//             datagram -> write the batch to TUN -> [leave snapshot]
//
// Contract: no allocation, no lock and no call into the control plane between poll() returns;
// snapshots are entered once per batch. Scaling past one thread per direction (multi-queue TUN,
// SO_REUSEPORT) needs per-worker cipher contexts and SPI-steered receive: see DESIGN.md.
#pragma once

#include <atomic>
#include <cstdint>
#include "dataplane/packet_loop.hpp"

#include "dataplane/control_inbox.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/fib.hpp"
#include "dataplane/sa.hpp"
#include "dataplane/snapshot.hpp"
#include "dataplane/udp_socket.hpp"
#include "tun/tun_device.hpp"

namespace vpngw {

inline constexpr size_t kBatchSize = 64;
inline constexpr size_t kSlotSize = 9216;  // a jumbo inner packet plus ESP overhead

class Worker {
 public:
  // `inbox`, when given, receives the IKE datagrams (non-ESP marker) that arrive on the socket.
  Worker(TunDevice& tun, size_t queue, UdpSocket& udp, Snapshot<Fib>& fib, Snapshot<SaTable>& sas,
         ControlInbox* inbox = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();  // idempotent; joins both threads

  const CounterSet& outbound_counters() const { return out_counters_; }
  const CounterSet& inbound_counters() const { return in_counters_; }

 private:
  void run_outbound();
  void run_inbound();

  TunDevice& tun_;
  size_t queue_;
  UdpSocket& udp_;
  ControlInbox* inbox_;
  Snapshot<Fib>::Reader& out_fib_;
  Snapshot<SaTable>::Reader& out_sas_;
  Snapshot<SaTable>::Reader& in_sas_;
  CounterSet out_counters_;
  CounterSet in_counters_;
  PacketLoop loops_;  // last: its threads stop before the members they use go
};

}  // namespace vpngw
