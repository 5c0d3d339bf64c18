// Runs one gateway from its config: sets up the TUN device and routes through rtnetlink, binds
// the outside socket, publishes the FIB and SA snapshots, starts the data plane workers and
// serves signals and periodic stats on a Boost.Asio io_context (the control-plane thread).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gateway/endpoint_state.hpp"
#include "gateway/gateway_config.hpp"

namespace vpngw {

class Gateway {
 public:
  explicit Gateway(GatewayConfig config);
  ~Gateway();

  // Blocks until SIGINT/SIGTERM; writes stats to stats_path (if not empty) every second and at exit.
  void run(const std::string& stats_path);

  nlohmann::json stats() const;
  // What the VGW/TGW router reads ("endpoint state"): tunnels, BGP, learned routes, typed.
  EndpointState endpoint_state() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vpngw
