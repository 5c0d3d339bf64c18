// The AWS gateway (virtual private or transit gateway) between the VPC and the tunnel
// endpoints and Direct Connect VIFs (reported by the Direct Connect endpoint, dx/dx_endpoint.hpp), as a router in its own namespace: it polls each tunnel endpoint's management socket
// (tunnel state and the routes its BGP session learned), applies AWS's route priority
// (gateway_routing.hpp) and installs the result as kernel routes via the endpoints' addresses,
// several next hops when a transit gateway spreads flows (ECMP). An endpoint that does not
// answer within the poll timeout counts as down, so a killed or stopped AZ takes its routes with it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json_fwd.hpp>

#include "common/ip_prefix.hpp"
#include "s2s/gateway_routing.hpp"

namespace vpngw::s2s {

// A tunnel endpoint, or a Direct Connect VIF (its routes rank as Direct Connect BGP).
struct VgwEndpoint {
  std::string name;      // the tunnel, e.g. "vpn-1-tunnel1", or the VIF, e.g. "dxvif-a"
  std::string socket;    // its gateway's (or the Direct Connect endpoint's) management socket
  IpAddress next_hop;    // its address on the link to this router; for a VIF, the customer's peer address
  std::string vif;       // a Direct Connect VIF's id, asked of the Direct Connect endpoint; empty: a tunnel
};

struct VgwRouterConfig {
  std::string name = "vgw";
  GatewayKind kind = GatewayKind::vpn_gateway;
  bool vpn_ecmp_support = true;
  std::vector<VgwEndpoint> endpoints;
  std::vector<StaticRoute> statics;  // tunnel = index into endpoints
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds poll_timeout{250};
};

class VgwRouter {
 public:
  VgwRouter(boost::asio::io_context& io, VgwRouterConfig cfg);
  ~VgwRouter();
  void start();
  void stop();  // removes the routes it installed
  // AWS's tunnel endpoint replacement (replace-vpn-tunnel), without loss: the other tunnels
  // announce a lower MED so the customer gateway moves its traffic off this one, this gateway
  // stops routing through it, and once its TunnelDataIn has been still for a second its IKE SA
  // is deleted (the endpoint is "replaced") and re-established; then the MEDs return. Progress
  // shows in summary()["maintenance"]. Throws std::invalid_argument for an unknown tunnel or
  // when a replacement is already running.
  void replace_tunnel(const std::string& name);
  // Per tunnel: AWS's CloudWatch view (TunnelState, TunnelDataIn, TunnelDataOut) and the routes.
  nlohmann::json summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `vpngw s2s vgw`: the router as a process on the daemon runtime (management socket with `vgw`,
// `stats` and `tunnel replace`, CloudWatch's tunnel metrics as Prometheus text on 127.0.0.1 with
// a metrics port). Runs until SIGINT/SIGTERM, then removes its routes.
void run_vgw_router(const VgwRouterConfig& cfg, const std::string& management_socket, uint16_t metrics_port);

}  // namespace vpngw::s2s
