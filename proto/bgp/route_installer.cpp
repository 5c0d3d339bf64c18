#include "proto/bgp/route_installer.hpp"

#include <time.h>

#include <spdlog/spdlog.h>

namespace vpngw {

using Clock = std::chrono::steady_clock;

RouteInstaller::RouteInstaller(boost::asio::io_context& io, std::function<void()> rebuild, bool kernel_routes,
                               int tun_ifindex)
    : timer_(io), rebuild_(std::move(rebuild)), tun_ifindex_(tun_ifindex) {
  if (kernel_routes) netlink_ = std::make_unique<Netlink>();
}

void RouteInstaller::best_changed(const IpPrefix& prefix, const std::optional<bgp::Egress>& egress) {
  if (netlink_) {
    if (!egress) kernel_pending_.push_back({prefix, false});
    // Every tunnel route leaves through the one TUN (the FIB picks the tunnel), so the kernel only
    // needs to know that one exists.
    else if (egress->tunnel && tun_ifindex_ >= 0) kernel_pending_.push_back({prefix, true});
    else if (!egress->tunnel) kernel_pending_.push_back({prefix, true, egress->next_hop});
  }
  schedule();
}

void RouteInstaller::schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  const auto earliest = last_end_ + 2 * last_cost_;
  timer_.expires_at(std::max(Clock::now(), earliest));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    scheduled_ = false;
    if (!ec) flush();
  });
}

void RouteInstaller::flush() {
  const auto start = Clock::now();
  if (rebuild_) rebuild_();
  const auto built = Clock::now();
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  stats_.published_at_ms = int64_t(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
  ++stats_.fib_builds;
  stats_.last_build_ms = std::chrono::duration<double, std::milli>(built - start).count();
  if (netlink_ && !kernel_pending_.empty()) {
    auto errors = netlink_->apply_routes(kernel_pending_, tun_ifindex_, Netlink::kProtoBgp);
    stats_.kernel_changes += kernel_pending_.size();
    stats_.kernel_errors += errors.size();
    for (size_t i = 0; i < errors.size() && i < 5; ++i) spdlog::warn("kernel routes: {}", errors[i]);
    if (!errors.empty()) stats_.last_kernel_error = errors.back();
    kernel_pending_.clear();
  }
  last_end_ = Clock::now();
  last_cost_ = last_end_ - start;
}

}  // namespace vpngw
