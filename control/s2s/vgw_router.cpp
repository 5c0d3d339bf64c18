#include "control/s2s/vgw_router.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "control/api/management_server.hpp"
#include "tun/netlink.hpp"

namespace vpngw::s2s {

struct VgwRouter::Impl {
  boost::asio::steady_timer timer;
  VgwRouterConfig cfg;
  Netlink nl;
  RoutePlan installed;
  std::vector<TunnelView> views;
  std::vector<nlohmann::json> last_stats;  // per endpoint, for the metrics
  uint64_t polls = 0, route_changes = 0, route_errors = 0, malformed_routes = 0;
  bool stopped = false;

  Impl(boost::asio::io_context& io, VgwRouterConfig c) : timer(io), cfg(std::move(c)) {
    views.resize(cfg.endpoints.size());
    last_stats.resize(cfg.endpoints.size());
  }

  std::string describe(const std::vector<uint32_t>& tunnels) const {
    std::string s;
    for (uint32_t t : tunnels) s += (s.empty() ? "" : " + ") + cfg.endpoints[t].name;
    return s.empty() ? "nothing" : s;
  }

  void poll_endpoint(uint32_t i) {
    const auto& e = cfg.endpoints[i];
    TunnelView v;
    v.tunnel = i;
    try {
      nlohmann::json stats = management_request(e.socket, {{"command", "stats"}}, cfg.poll_timeout);
      v.reachable = true;
      if (stats.contains("ike")) v.ipsec_up = ipsec_up_from_json(stats["ike"]);
      if (stats.contains("bgp")) v.bgp_up = bgp_established_from_json(stats["bgp"]);
      if (v.bgp_up) {
        size_t skipped = 0;
        v.routes = learned_routes_from_json(
            management_request(e.socket, {{"command", "bgp routes"}, {"limit", 1000}}, cfg.poll_timeout), &skipped);
        malformed_routes += skipped;
      }
      last_stats[i] = std::move(stats);
    } catch (const std::exception& ex) {
      if (views[i].reachable) spdlog::warn("{}: tunnel endpoint {} stopped answering: {}", cfg.name, e.name, ex.what());
      last_stats[i] = nullptr;
    }
    if (v.reachable && !views[i].reachable) spdlog::info("{}: tunnel endpoint {} answers", cfg.name, e.name);
    if (v.bgp_up != views[i].bgp_up) spdlog::info("{}: {} BGP {}", cfg.name, e.name, v.bgp_up ? "up" : "down");
    views[i] = std::move(v);
  }

  void apply(const RoutePlan& plan) {
    for (const auto& [prefix, tunnels] : plan) {
      auto old = installed.find(prefix);
      if (old != installed.end() && old->second == tunnels) continue;
      std::vector<IpAddress> hops;
      for (uint32_t t : tunnels) hops.push_back(cfg.endpoints[t].next_hop);
      try {
        nl.replace_route_via(prefix, hops, Netlink::kProtoBgp);
        ++route_changes;
        spdlog::info("{}: {} via {} (was {})", cfg.name, prefix.to_string(), describe(tunnels),
                     old == installed.end() ? "nothing" : describe(old->second));
      } catch (const std::exception& ex) {
        ++route_errors;
        spdlog::error("{}: {}", cfg.name, ex.what());
      }
    }
    for (const auto& [prefix, tunnels] : installed) {
      if (plan.count(prefix)) continue;
      try {
        nl.delete_route_any(prefix);
        ++route_changes;
        spdlog::info("{}: {} withdrawn (was via {})", cfg.name, prefix.to_string(), describe(tunnels));
      } catch (const std::exception& ex) {
        ++route_errors;
        spdlog::error("{}: {}", cfg.name, ex.what());
      }
    }
    installed = plan;
  }

  void tick() {
    if (stopped) return;
    ++polls;
    for (uint32_t i = 0; i < cfg.endpoints.size(); ++i) poll_endpoint(i);
    apply(plan_routes(views, cfg.statics, cfg.kind, cfg.vpn_ecmp_support));
    timer.expires_after(cfg.poll_interval);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }
};

VgwRouter::VgwRouter(boost::asio::io_context& io, VgwRouterConfig cfg) : impl_(std::make_unique<Impl>(io, std::move(cfg))) {}
VgwRouter::~VgwRouter() = default;

void VgwRouter::start() { impl_->tick(); }

void VgwRouter::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
  impl_->apply({});
}

nlohmann::json VgwRouter::summary() const {
  const auto& m = *impl_;
  nlohmann::json j{{"name", m.cfg.name},
                   {"kind", m.cfg.kind == GatewayKind::vpn_gateway ? "virtual private gateway" : "transit gateway"},
                   {"vpn_ecmp_support", m.cfg.vpn_ecmp_support},
                   {"polls", m.polls},
                   {"route_changes", m.route_changes},
                   {"route_errors", m.route_errors},
                   {"malformed_routes", m.malformed_routes}};
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (uint32_t i = 0; i < m.cfg.endpoints.size(); ++i) {
    const auto& v = m.views[i];
    const bool static_only = m.cfg.statics.size() && !v.bgp_up && m.last_stats[i].is_object() && !m.last_stats[i].contains("bgp");
    nlohmann::json t{{"name", m.cfg.endpoints[i].name},
                     {"reachable", v.reachable},
                     {"ipsec_up", v.ipsec_up},
                     {"bgp_up", v.bgp_up},
                     // CloudWatch: for a BGP VPN 1 means the BGP session is established; for a
                     // static one, the IPsec tunnel is up.
                     {"TunnelState", (static_only ? v.ipsec_up : v.bgp_up) ? 1 : 0},
                     {"routes_learned", v.routes.size()}};
    if (m.last_stats[i].is_object()) {
      const auto& ts = m.last_stats[i]["tunnels"];
      if (ts.is_array() && !ts.empty() && ts[0].is_object()) {
        t["TunnelDataIn"] = ts[0].value("data_in_bytes", uint64_t(0));
        t["TunnelDataOut"] = ts[0].value("data_out_bytes", uint64_t(0));
      }
    }
    tunnels.push_back(std::move(t));
  }
  auto& routes = j["routes"] = nlohmann::json::array();
  for (const auto& [prefix, ts] : m.installed) {
    nlohmann::json via = nlohmann::json::array();
    for (uint32_t t : ts) via.push_back(m.cfg.endpoints[t].name);
    routes.push_back({{"prefix", prefix.to_string()}, {"via", via}});
  }
  return j;
}

}  // namespace vpngw::s2s
