// The Client VPN endpoint's packet loops: one thread per direction, like the Site-to-Site worker.
//
//   inbound:  poll UDP -> recvmmsg a batch -> [enter client snapshot] -> clientvpn_inbound each ->
//             write IP packets to the TUN; control packets to the control plane's inbox
//   outbound: poll TUN -> read a batch -> [enter client snapshot] -> clientvpn_outbound each ->
//             sendmmsg
//
// No allocation, lock or call into the control plane between poll() returns.
#pragma once

#include "dataplane/packet_loop.hpp"

#include "dataplane/client_table.hpp"
#include "dataplane/clientvpn_pipeline.hpp"
#include "dataplane/control_inbox.hpp"
#include "dataplane/snapshot.hpp"
#include "dataplane/udp_socket.hpp"
#include "tun/tun_device.hpp"

namespace vpngw {

class ClientVpnWorker {
 public:
  ClientVpnWorker(TunDevice& tun, UdpSocket& udp, Snapshot<ClientTable>& clients, ControlInbox& inbox);
  ~ClientVpnWorker();
  ClientVpnWorker(const ClientVpnWorker&) = delete;
  ClientVpnWorker& operator=(const ClientVpnWorker&) = delete;

  void start();
  void stop();  // idempotent

  const CvpnCounterSet& inbound_counters() const { return in_counters_; }
  const CvpnCounterSet& outbound_counters() const { return out_counters_; }

 private:
  void run_inbound();
  void run_outbound();
  void send_pings(uint64_t now_ns);  // outbound thread: keepalives to clients idle for 10 s

  TunDevice& tun_;
  UdpSocket& udp_;
  ControlInbox& inbox_;
  Snapshot<ClientTable>::Reader& in_clients_;
  Snapshot<ClientTable>::Reader& out_clients_;
  CvpnCounterSet in_counters_;
  CvpnCounterSet out_counters_;
  PacketLoop loops_;  // last: its threads stop before the members they use go
};

}  // namespace vpngw
