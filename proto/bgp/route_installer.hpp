// Takes Loc-RIB changes from the BGP speaker and puts them where packets see them: a new FIB
// snapshot for the data plane (a gateway's), and kernel routes: out of the TUN for routes into a
// tunnel (so the host sends those prefixes to us), via their next hop for routes learned on a plain
// interface (a router's). Changes are coalesced: a full table arrives as thousands of UPDATEs, and
// rebuilding the FIB for each would be quadratic. A rebuild waits at least twice as long as the
// last one took, which bounds rebuild work to about a third of the time while routes stream in.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proto/bgp/speaker.hpp"
#include "tun/netlink.hpp"

namespace vpngw {

class RouteInstaller : public bgp::RouteListener {
 public:
  struct Stats {
    uint64_t fib_builds = 0;
    double last_build_ms = 0;
    int64_t published_at_ms = 0;  // CLOCK_MONOTONIC, comparable across processes on one machine
    uint64_t kernel_changes = 0;
    uint64_t kernel_errors = 0;
    std::string last_kernel_error;
  };

  // `rebuild` builds and publishes a FIB snapshot from the current RIB (empty: no data plane);
  // `kernel_routes` false leaves the kernel alone; `tun_ifindex` is the TUN tunnel routes go out
  // of (-1: no TUN).
  RouteInstaller(boost::asio::io_context& io, std::function<void()> rebuild, bool kernel_routes, int tun_ifindex);

  void best_changed(const IpPrefix& prefix, const std::optional<bgp::Egress>& egress) override;
  const Stats& stats() const { return stats_; }

 private:
  void schedule();
  void flush();

  boost::asio::steady_timer timer_;
  std::function<void()> rebuild_;
  int tun_ifindex_;
  std::unique_ptr<Netlink> netlink_;
  std::vector<Netlink::RouteChange> kernel_pending_;
  bool scheduled_ = false;
  std::chrono::steady_clock::time_point last_end_{};
  std::chrono::steady_clock::duration last_cost_{};
  Stats stats_;
};

}  // namespace vpngw
