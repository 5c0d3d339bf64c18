// Runs `vpngw nat`: creates the client-side TUN and one TAP per ENI, routes the VPC prefixes into
// the TUN through rtnetlink, starts the NAT worker, and serves signals, stats and the management
// socket on the control thread.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "nat/nat_config.hpp"

namespace vpngw {

class NatRouter {
 public:
  explicit NatRouter(NatConfig cfg);
  ~NatRouter();
  // Blocks until SIGINT/SIGTERM.
  void run(const std::string& stats_path, const std::string& management_socket);
  nlohmann::json stats() const;
  // For embedding in another process's loop (the Client VPN endpoint): the worker alone.
  void start();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vpngw
