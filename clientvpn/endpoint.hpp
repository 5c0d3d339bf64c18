// Runs a Client VPN endpoint (`vpngw clientvpn serve`): the OpenVPN server on UDP, a TUN device
// holding the client CIDR, and the NAT router with one ENI per target network behind it.
//
//   client --UDP--> [inbound worker: P_DATA_V2 open, authorize] --> TUN cvpn0 --kernel--> TUN
//   cvpnnat0 --> [NAT worker: source NAT to the ENI's address] --> TAP eniN --> VPC subnet
//
// The control thread (Boost.Asio) runs the per-client OpenVPN sessions (reliability, TLS, key
// method 2, push), allocates addresses, publishes the client table the workers read, writes the
// connection log and answers `vpngw ctl` (connections, disconnect, stats).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "clientvpn/endpoint_config.hpp"

namespace vpngw {

class ClientVpnEndpoint {
 public:
  explicit ClientVpnEndpoint(ClientVpnConfig cfg);
  ~ClientVpnEndpoint();
  // Blocks until SIGINT/SIGTERM.
  void run(const std::string& stats_path, const std::string& management_socket);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vpngw
