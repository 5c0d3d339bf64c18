// The gateway's IKE endpoint, the Asio shell around the I/O-free tunnel cores (tunnel.hpp): it
// owns UDP 500 (a Boost.Asio socket on the control thread) and receives the IKE traffic that NAT-T
// moved to UDP 4500 from the data plane's socket through the ControlInbox; its answers on 4500
// leave through that same socket. It hands each datagram to the tunnel whose peer sent it, sends
// what the tunnels give back, fires their timers at the deadline they ask for, and rotates the
// cookie secret. Everything runs on the control-plane io_context thread.
#pragma once

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "proto/ike/tunnel.hpp"
#include "proto/ike/tunnel_keys.hpp"
#include "dataplane/control_inbox.hpp"

namespace vpngw::ike {

struct EndpointConfig {
  LocalEnd local;   // our outside address, IKE and NAT-T ports (natt_port: the data plane's socket)
  int natt_fd = -1;  // the data plane's socket, for our answers on 4500
};

class Endpoint {
 public:
  // `keys_changed` runs (on the io_context thread) whenever the data plane's SA table must be
  // rebuilt from keys() and peer().
  Endpoint(boost::asio::io_context& io, EndpointConfig cfg, ControlInbox& inbox, std::vector<TunnelSpec> tunnels,
           std::function<void()> keys_changed);
  ~Endpoint();

  void start();
  // Tells every peer its IKE SA is gone (best effort, no wait), then stops reading.
  void stop();
  // The tunnel endpoint is replaced (AWS maintenance): its IKE SA is deleted (the peer is told),
  // its SAs leave the data plane, and it waits for the peer to initiate again (or initiates
  // itself with startup action "start"). False when no IKE tunnel has that name.
  bool restart_tunnel(const std::string& name);

  size_t tunnel_count() const;
  const std::string& tunnel_name(size_t i) const;
  const TunnelKeys& keys(size_t i) const;
  // Where this tunnel's ESP goes: the peer's NAT-T address once IKE has run over 4500.
  void peer(size_t i, sockaddr_storage& out, socklen_t& len) const;

  // `vpngw ctl ike`: per tunnel TunnelIKEPhase1State / Phase2State, SPIs, counters, recent log.
  nlohmann::json summary() const;
  // Wireshark's ESP SA table for the last Child SAs of one tunnel (empty name: every tunnel),
  // keys included: for lab captures only (the management socket is root's).
  std::string wireshark_esp_sa(const std::string& tunnel) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpngw::ike
