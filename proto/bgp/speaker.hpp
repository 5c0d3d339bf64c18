// The BGP speaker: one Peer per configured neighbour, each running the RFC 4271 FSM (session.hpp)
// over Boost.Asio TCP, with active and passive open, connect-retry, collision resolution (RFC 4271
// 6.8), TCP MD5 signatures (RFC 2385), per-peer max-prefix, and export of the configured prefixes.
// Learned routes go into the shared RIB; every Loc-RIB change is reported through RouteListener so
// the gateway can rebuild its FIB snapshot and kernel routes.
//
// Everything here runs on the control-plane io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "proto/bgp/rib.hpp"
#include "proto/bgp/config.hpp"

namespace vpngw::bgp {

// Where the best path of a prefix leaves: into a gateway tunnel (its neighbour has `tunnel`), or
// via its BGP next hop on a plain interface.
struct Egress {
  std::optional<uint32_t> tunnel;
  IpAddress next_hop;
};

class RouteListener {
 public:
  virtual ~RouteListener() = default;
  // The best path of `prefix` changed; `egress` is where it now leaves, or empty when it is gone.
  virtual void best_changed(const IpPrefix& prefix, const std::optional<Egress>& egress) = 0;
};

class Speaker {
 public:
  // `tunnel_ids` maps each neighbour's tunnel name to its data-plane tunnel id (asked only for
  // neighbours that name a tunnel).
  Speaker(boost::asio::io_context& io, const BgpConfig& cfg, uint32_t router_id,
          std::function<uint32_t(const std::string&)> tunnel_ids, RouteListener& listener);
  ~Speaker();

  void start();
  // Sends Cease/administrative shutdown on every session and closes them.
  void stop();

  // Every Loc-RIB route that leaves through a tunnel, with its tunnel (the data plane's FIB).
  void for_each_route(const std::function<void(const IpPrefix&, uint32_t tunnel)>& f) const;
  // With [bgp] multipath: every tunnel route with the tunnels of its equal-cost paths, the best's
  // first (paths via plain interfaces left out).
  void for_each_route_multipath(const std::function<void(const IpPrefix&, const std::vector<uint32_t>&)>& f) const;
  size_t route_count() const;
  // Every Loc-RIB route with its best path's attributes (for typed reports, not display).
  void for_each_best_path(const std::function<void(const IpPrefix&, const PathAttributes&)>& f) const;
  bool any_established() const;
  // One neighbour (by name or address): is its session Established, and the paths it gave us (its
  // Adj-RIB-In after the import checks), whether or not they are the best. False / nothing when no
  // neighbour has that name.
  bool established(const std::string& neighbor) const;
  void for_each_path_from(const std::string& neighbor, const std::function<void(const IpPrefix&, const PathAttributes&)>& f) const;

  // `vpngw ctl bgp summary` and `vpngw ctl bgp routes`.
  nlohmann::json summary() const;
  nlohmann::json routes(size_t limit) const;
  // Leaves Idle after a max-prefix trip (or restarts an established session): returns false when
  // no neighbour has that name.
  bool reset(const std::string& neighbor);
  // The sessions over this tunnel (or with this neighbour) lost their path: they end now, their
  // routes leave the RIB, and the neighbours are retried as usual.
  void path_down(uint32_t tunnel, const std::string& why);
  // Announces our prefixes to the neighbour again with this MED (none: no MED); false when no
  // neighbour has that name or address.
  bool set_med(const std::string& neighbor, std::optional<uint32_t> med);
  void neighbor_path_down(const IpAddress& neighbor, const std::string& why);

 private:
  class Peer;
  class Connection;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpngw::bgp
