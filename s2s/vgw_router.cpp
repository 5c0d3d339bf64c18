#include "s2s/vgw_router.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "runtime/daemon.hpp"
#include "runtime/management_server.hpp"
#include "s2s/vpn_metrics.hpp"
#include "tun/netlink.hpp"

namespace vpngw::s2s {

struct VgwRouter::Impl {
  boost::asio::steady_timer timer;
  VgwRouterConfig cfg;
  Netlink nl;
  RoutePlan installed;
  std::vector<TunnelView> views;
  std::vector<std::optional<EndpointState>> last_state;  // per endpoint, for the metrics; none: no answer
  uint64_t polls = 0, route_changes = 0, route_errors = 0, malformed_routes = 0;
  bool stopped = false;

  // A tunnel replacement in progress (replace_tunnel).
  static constexpr uint32_t kMaintenanceMed = 50;  // what the other tunnels announce meanwhile
  struct Maintenance {
    uint32_t tunnel = 0;
    std::string phase = "idle";  // steering, draining, replacing, done, failed
    std::vector<nlohmann::json> saved_med;  // per endpoint, what it announced before
    int64_t started_ns = 0, phase_ns = 0, still_since_ns = 0;
    uint64_t last_data_in = 0;
    bool saw_down = false;
    std::vector<std::string> log;
  } mt;

  void mt_note(const std::string& line) {
    spdlog::info("{}: replace {}: {}", cfg.name, cfg.endpoints[mt.tunnel].name, line);
    mt.log.push_back(line);
  }
  // An AWS tunnel endpoint runs one tunnel: its first.
  const EndpointTunnel* endpoint_tunnel(uint32_t i) const {
    return last_state[i] && !last_state[i]->tunnels.empty() ? &last_state[i]->tunnels.front() : nullptr;
  }
  uint64_t data_in(uint32_t i) const {
    const auto* t = endpoint_tunnel(i);
    return t ? t->data_in_bytes : 0;
  }
  std::string endpoint_tunnel_name(uint32_t i) const {
    const auto* t = endpoint_tunnel(i);
    return t ? t->name : "";
  }
  bool draining(uint32_t i) const {
    return i == mt.tunnel && (mt.phase == "steering" || mt.phase == "draining" || mt.phase == "replacing");
  }
  void set_med(uint32_t i, const nlohmann::json& med) {
    auto answer = management_request(cfg.endpoints[i].socket, {{"command", "bgp med"}, {"neighbor", "cgw"}, {"med", med}},
                                     cfg.poll_timeout);
    if (answer.contains("error")) throw std::runtime_error(answer["error"].dump());
  }

  void maintenance_step() {
    const int64_t now = monotonic_ns();
    const uint32_t target = mt.tunnel;
    try {
      if (mt.phase == "steering") {
        mt.saved_med.assign(cfg.endpoints.size(), nullptr);
        for (uint32_t i = 0; i < cfg.endpoints.size(); ++i) {
          if (i == target || !views[i].reachable) continue;
          mt.saved_med[i] = nlohmann::json(100);  // AWS's usual MED (vpngw s2s render)
          set_med(i, kMaintenanceMed);
          mt_note("MED " + std::to_string(kMaintenanceMed) + " on " + cfg.endpoints[i].name + " to steer the customer gateway");
        }
        mt.phase = "draining";
        mt.phase_ns = mt.still_since_ns = now;
        mt.last_data_in = data_in(target);
        mt_note("not routing through it any more; waiting for its TunnelDataIn to stop");
      } else if (mt.phase == "draining") {
        // Drained when less than 1000 bytes came in over a second: BGP keepalives and BFD keep
        // flowing (about 200 B/s at 300 ms), user traffic does not.
        bool still = false;
        if (now - mt.still_since_ns >= 1'000'000'000) {
          const uint64_t in = data_in(target);
          still = in - mt.last_data_in <= 1000;
          mt.last_data_in = in;
          mt.still_since_ns = now;
        }
        if (still || now - mt.phase_ns > 20'000'000'000) {
          mt_note(still ? "drained (under 1000 bytes in over 1 s)" : "still receiving after 20 s; replacing anyway");
          const std::string tunnel = endpoint_tunnel_name(target);
          auto answer = management_request(cfg.endpoints[target].socket, {{"command", "ike restart"}, {"tunnel", tunnel}},
                                           cfg.poll_timeout);
          if (answer.contains("error")) throw std::runtime_error(answer["error"].dump());
          mt_note("endpoint replaced: IKE SA deleted; waiting for the customer gateway to bring the tunnel up");
          mt.phase = "replacing";
          mt.phase_ns = now;
          mt.saw_down = false;
        }
      } else if (mt.phase == "replacing") {
        if (!views[target].bgp_up) mt.saw_down = true;
        if (mt.saw_down && views[target].bgp_up) {
          for (uint32_t i = 0; i < cfg.endpoints.size(); ++i)
            if (!mt.saved_med[i].is_null()) set_med(i, mt.saved_med[i]);
          mt.phase = "done";
          mt_note("tunnel and BGP session back; MEDs restored after " +
                  std::to_string((now - mt.started_ns) / 1'000'000) + " ms");
        } else if (now - mt.phase_ns > 180'000'000'000) {
          throw std::runtime_error("the tunnel did not come back within 180 s");
        }
      }
    } catch (const std::exception& e) {
      mt.phase = "failed";
      mt_note(std::string("failed: ") + e.what());
      for (uint32_t i = 0; i < mt.saved_med.size(); ++i)
        if (!mt.saved_med[i].is_null()) try {
            set_med(i, mt.saved_med[i]);
          } catch (const std::exception&) {
          }
    }
  }

  Impl(boost::asio::io_context& io, VgwRouterConfig c) : timer(io), cfg(std::move(c)) {
    views.resize(cfg.endpoints.size());
    last_state.resize(cfg.endpoints.size());
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
    v.direct_connect = !e.vif.empty();
    try {
      size_t skipped = 0;
      nlohmann::json request{{"command", "endpoint state"}};
      if (v.direct_connect) request["vif"] = e.vif;
      auto state = parse_endpoint_state(management_request(e.socket, request, cfg.poll_timeout), &skipped);
      if (!state) throw std::runtime_error("endpoint state: " + state.error());
      malformed_routes += skipped;
      v.reachable = true;
      v.ipsec_up = std::any_of(state->tunnels.begin(), state->tunnels.end(), [](const EndpointTunnel& t) { return t.ipsec_up; });
      v.bgp_up = state->bgp_up;
      if (v.bgp_up) v.routes = state->routes;
      last_state[i] = std::move(state.value());
    } catch (const std::exception& ex) {
      if (views[i].reachable) spdlog::warn("{}: tunnel endpoint {} stopped answering: {}", cfg.name, e.name, ex.what());
      last_state[i].reset();
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
    if (mt.phase == "steering" || mt.phase == "draining" || mt.phase == "replacing") maintenance_step();
    // A tunnel under maintenance carries nothing while another one can.
    std::vector<TunnelView> usable = views;
    for (uint32_t i = 0; i < usable.size(); ++i) {
      if (!draining(i)) continue;
      const bool other = std::any_of(views.begin(), views.end(),
                                     [&](const TunnelView& v) { return v.tunnel != i && v.reachable && (v.bgp_up || v.ipsec_up); });
      if (other) usable[i].bgp_up = usable[i].ipsec_up = false;
    }
    apply(plan_routes(usable, cfg.statics, cfg.kind, cfg.vpn_ecmp_support));
    timer.expires_after(cfg.poll_interval);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }
};

VgwRouter::VgwRouter(boost::asio::io_context& io, VgwRouterConfig cfg) : impl_(std::make_unique<Impl>(io, std::move(cfg))) {}
VgwRouter::~VgwRouter() = default;

void VgwRouter::start() { impl_->tick(); }

void VgwRouter::replace_tunnel(const std::string& name) {
  auto& m = *impl_;
  if (m.draining(m.mt.tunnel)) throw std::invalid_argument("a tunnel replacement is already running");
  auto it = std::find_if(m.cfg.endpoints.begin(), m.cfg.endpoints.end(), [&](const VgwEndpoint& e) { return e.name == name; });
  if (it == m.cfg.endpoints.end()) throw std::invalid_argument("no tunnel endpoint named '" + name + "'");
  m.mt = Impl::Maintenance{};
  m.mt.tunnel = uint32_t(it - m.cfg.endpoints.begin());
  m.mt.phase = "steering";
  m.mt.started_ns = monotonic_ns();
  m.mt_note("started");
}

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
    const bool static_only = m.cfg.statics.size() && !v.bgp_up && m.last_state[i] && !m.last_state[i]->bgp_configured;
    nlohmann::json t{{"name", m.cfg.endpoints[i].name},
                     {"kind", v.direct_connect ? "dx_vif" : "vpn_tunnel"},
                     {"reachable", v.reachable},
                     {"ipsec_up", v.ipsec_up},
                     {"bgp_up", v.bgp_up},
                     // CloudWatch: for a BGP VPN 1 means the BGP session is established; for a
                     // static one, the IPsec tunnel is up.
                     {"TunnelState", (static_only ? v.ipsec_up : v.bgp_up) ? 1 : 0},
                     {"routes_learned", v.routes.size()}};
    if (m.last_state[i]) t["tunnel_ip_address"] = m.last_state[i]->outside_address.to_string();
    if (const auto* first = m.endpoint_tunnel(i)) {
      t["TunnelDataIn"] = first->data_in_bytes;
      t["TunnelDataOut"] = first->data_out_bytes;
    }
    tunnels.push_back(std::move(t));
  }
  if (m.mt.phase != "idle")
    j["maintenance"] = {{"tunnel", m.cfg.endpoints[m.mt.tunnel].name}, {"phase", m.mt.phase}, {"log", m.mt.log}};
  auto& routes = j["routes"] = nlohmann::json::array();
  for (const auto& [prefix, ts] : m.installed) {
    nlohmann::json via = nlohmann::json::array();
    for (uint32_t t : ts) via.push_back(m.cfg.endpoints[t].name);
    routes.push_back({{"prefix", prefix.to_string()}, {"via", via}});
  }
  return j;
}

void run_vgw_router(const VgwRouterConfig& cfg, const std::string& management_socket, uint16_t metrics_port) {
  Daemon daemon({cfg.name, management_socket.empty() ? ManagementServer::default_path(cfg.name) : management_socket, "",
                 std::chrono::seconds(1), metrics_port});
  VgwRouter router(daemon.io(), cfg);
  daemon.stats([&] { return router.summary(); });
  daemon.command("vgw", [&](const nlohmann::json&) { return router.summary(); });
  daemon.command("tunnel replace", [&](const nlohmann::json& req) {
    router.replace_tunnel(req.value("tunnel", ""));
    return router.summary();
  });
  daemon.metrics([&] { return render_vpn_metrics(router.summary()); });
  // Its routes leave the kernel before it goes; nothing else needs a goodbye.
  daemon.on_shutdown([&] {
    router.stop();
    daemon.io().stop();
  });
  spdlog::info("{}: {} with {} tunnel endpoint(s), polling every {} ms", cfg.name,
               cfg.kind == GatewayKind::transit_gateway ? "transit gateway" : "virtual private gateway",
               cfg.endpoints.size(), cfg.poll_interval.count());
  daemon.run([&] { router.start(); });
}

}  // namespace vpngw::s2s
