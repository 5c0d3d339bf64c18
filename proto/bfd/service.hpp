// BFD for single-hop IPv4 peers (RFC 5881) on the control-plane io_context: one socket receives
// every control packet on UDP 3784 (with TTL 255 enforced, the GTSM check RFC 5881 5 asks), each
// session sends from its own socket bound to its local address. Through a vpngw tunnel that
// local address is the inside address, so the packets cross the data plane like any traffic and
// BFD proves the whole path (encrypt, UDP, decrypt) every few hundred milliseconds.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json_fwd.hpp>

#include "common/ip_prefix.hpp"
#include "proto/bfd/session.hpp"

namespace vpngw::bfd {

struct PeerConfig {
  std::string name;  // e.g. the BGP neighbour's name
  IpAddress local;
  IpAddress remote;
};

class Service {
 public:
  using Listener = std::function<void(const PeerConfig& peer, const Transition& t)>;

  Service(boost::asio::io_context& io, SessionConfig cfg, std::vector<PeerConfig> peers, Listener listener,
          uint16_t port = kControlPort);
  ~Service();
  void start();  // throws std::system_error when a socket cannot be opened
  void stop();   // AdminDown to every peer, then quiet
  bool up(const IpAddress& remote) const;
  nlohmann::json summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpngw::bfd
