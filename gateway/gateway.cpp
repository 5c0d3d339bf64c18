#include "gateway/gateway.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/hex.hpp"
#include "proto/bgp/instance.hpp"
#include "proto/ike/endpoint.hpp"
#include "runtime/daemon.hpp"
#include "gateway/tunnel_traffic.hpp"
#include "dataplane/snapshot.hpp"
#include "dataplane/udp_socket.hpp"
#include "dataplane/worker.hpp"
#include "tun/netlink.hpp"
#include "tun/tun_device.hpp"

namespace vpngw {
namespace {

// A tunnel's limit goes on each of its SAs before the table that first holds the SA is published
// (afterwards the SA's worker alone touches its policer).
template <typename Sa>
void police(const TunnelConfig& t, const std::shared_ptr<Sa>& sa) {
  if (!t.limits || !sa || sa->policer) return;
  sa->policer = std::make_unique<RatePolicer>(RateLimit{t.limits->bandwidth_mbps * 1e6 / 8, double(t.limits->packets_per_second)});
}

// Manual tunnels' SAs are made once and then carried from table to table (their sequence numbers
// and replay windows must survive a republish); IKE tunnels' SAs come from the IKE endpoint.
std::unique_ptr<const SaTable> build_sa_table(const GatewayConfig& cfg, const SaTable* previous,
                                              const ike::Endpoint* ike) {
  std::vector<TunnelEntry> tunnels;
  std::vector<std::shared_ptr<InboundSa>> inbound;
  size_t ike_index = 0;
  for (size_t i = 0; i < cfg.tunnels.size(); ++i) {
    const auto& t = cfg.tunnels[i];
    TunnelEntry e;
    e.name = t.name;
    UdpSocket::fill_sockaddr(t.peer, t.peer_port, e.peer, e.peer_len);
    if (t.ike) {
      if (ike) {
        const TunnelKeys& keys = ike->keys(ike_index);
        e.outbound = keys.outbound();
        e.inbound = keys.current_inbound();
        const size_t first = inbound.size();
        keys.collect_inbound(inbound);
        police(t, e.outbound);
        for (size_t k = first; k < inbound.size(); ++k) police(t, inbound[k]);
        ike->peer(ike_index, e.peer, e.peer_len);
      }
      ++ike_index;
    } else if (previous) {
      e = previous->tunnels()[i];
      inbound.push_back(e.inbound);
    } else {
      e.outbound = std::make_shared<OutboundSa>(t.outbound.spi, t.outbound.cipher, t.outbound.keymat, t.esn);
      e.inbound = std::make_shared<InboundSa>(t.inbound.spi, t.inbound.cipher, t.inbound.keymat, t.esn, t.replay_window);
      police(t, e.outbound);
      police(t, e.inbound);
      inbound.push_back(e.inbound);
    }
    tunnels.push_back(std::move(e));
  }
  return std::make_unique<const SaTable>(std::move(tunnels), std::move(inbound));
}

std::vector<ike::TunnelSpec> ike_tunnels(const GatewayConfig& cfg) {
  std::vector<ike::TunnelSpec> out;
  for (const auto& t : cfg.tunnels)
    if (t.ike) out.push_back({t.name, t.peer, t.peer_port, t.replay_window, *t.ike});
  return out;
}

TunnelId tunnel_id(const GatewayConfig& cfg, const std::string& name) {
  for (TunnelId id = 0; id < cfg.tunnels.size(); ++id)
    if (cfg.tunnels[id].name == name) return id;
  throw std::logic_error("no tunnel named " + name);  // the config loader already checked
}

// BGP routes first, then static ones: for the same prefix a static route wins, as AWS prefers a
// VPN static route over a BGP-learned one.
std::unique_ptr<const Fib> build_fib(const GatewayConfig& cfg, const bgp::Speaker* speaker) {
  std::vector<FibRoute> routes;
  routes.reserve((speaker ? speaker->route_count() : 0) + cfg.routes.size() + (cfg.bgp ? cfg.bgp->neighbors.size() : 0));
  // A BGP neighbour is reached through its tunnel, as over a VTI.
  if (cfg.bgp)
    for (const auto& n : cfg.bgp->neighbors)
      if (!n.tunnel.empty())
        routes.push_back({IpPrefix{n.address, uint8_t(n.address.v6 ? 128 : 32)}, tunnel_id(cfg, n.tunnel)});
  if (speaker && cfg.bgp->multipath)
    speaker->for_each_route_multipath([&](const IpPrefix& p, const std::vector<uint32_t>& tunnels) {
      routes.push_back({p, tunnels.front(), tunnels.size() > 1 ? tunnels : std::vector<uint32_t>{}});
    });
  else if (speaker)
    speaker->for_each_route([&](const IpPrefix& p, uint32_t tunnel) { routes.push_back({p, tunnel}); });
  for (const auto& r : cfg.routes) routes.push_back({r.prefix, tunnel_id(cfg, r.tunnel)});
  return std::make_unique<const Fib>(routes);
}

}  // namespace

struct Gateway::State {
  GatewayConfig cfg;
  TunDevice tun;
  UdpSocket udp;
  Snapshot<Fib> fib;
  Snapshot<SaTable> sas;
  ControlInbox inbox;  // IKE arriving on the data plane's UDP socket
  Worker worker;
  int ifindex = 0;
  // Control plane, on the io_context thread (made and ended by run()).
  std::unique_ptr<bgp::Instance> bgp;
  std::unique_ptr<ike::Endpoint> ike;
  TunnelTrafficTotals traffic;  // TunnelDataIn/Out across rekeys
  std::vector<bool> tunnel_up;  // per tunnel: has an outbound SA

  // A tunnel that lost its SAs (DPD timeout, the peer's DELETE) takes its BGP sessions down at
  // once, like a VTI going down, instead of leaving them to the hold timer.
  void sas_changed() {
    traffic.observe(*sas.current(), monotonic_ns());
    const auto& ts = sas.current()->tunnels();
    tunnel_up.resize(ts.size(), false);
    for (size_t i = 0; i < ts.size(); ++i) {
      const bool up = ts[i].outbound != nullptr;
      if (tunnel_up[i] && !up) {
        spdlog::warn("gateway {}: tunnel {} down (no IPsec SA)", cfg.name, ts[i].name);
        if (bgp) bgp->speaker().path_down(uint32_t(i), "tunnel " + ts[i].name + " down (no IPsec SA)");
      }
      tunnel_up[i] = up;
    }
  }

  explicit State(GatewayConfig c)
      : cfg(std::move(c)),
        tun(cfg.tun_name, 1),
        udp(cfg.outside_address, cfg.outside_port),
        fib(build_fib(cfg, nullptr)),
        sas(build_sa_table(cfg, nullptr, nullptr)),
        worker(tun, 0, udp, fib, sas, &inbox) {
    sas_changed();
  }
};

Gateway::Gateway(GatewayConfig config) : s_(std::make_unique<State>(std::move(config))) {
  const auto& cfg = s_->cfg;
  Netlink nl;
  s_->ifindex = Netlink::ifindex(cfg.tun_name);
  nl.set_mtu(s_->ifindex, cfg.tun_mtu);
  for (const auto& a : cfg.tun_addresses) nl.add_address(s_->ifindex, a.address, a.prefix_len);
  nl.set_link_up(s_->ifindex, true);
  // The kernel sends these prefixes into the TUN; the FIB then picks the tunnel.
  for (const auto& r : cfg.routes) nl.replace_route(r.prefix, s_->ifindex);
  if (cfg.bgp)
    for (const auto& n : cfg.bgp->neighbors)
      if (!n.tunnel.empty() && std::none_of(cfg.tun_addresses.begin(), cfg.tun_addresses.end(),
                       [&](const InterfaceAddress& a) { return a.on_link(n.address); }))
        nl.replace_route(IpPrefix{n.address, uint8_t(n.address.v6 ? 128 : 32)}, s_->ifindex);
  spdlog::info("gateway {}: tun {} (mtu {}), outside {}:{}, {} tunnel(s), {} route(s)", cfg.name, cfg.tun_name,
               cfg.tun_mtu, cfg.outside_address.to_string(), cfg.outside_port, cfg.tunnels.size(), cfg.routes.size());
}

Gateway::~Gateway() { s_->worker.stop(); }

nlohmann::json Gateway::stats() const {
  nlohmann::json j;
  j["gateway"] = s_->cfg.name;
  j["outside_address"] = s_->cfg.outside_address.to_string();
  auto& counters = j["counters"];
  for (size_t i = 0; i < kCounterCount; ++i) {
    const auto c = Counter(i);
    counters[std::string(kCounterInfo[i].name)] =
        s_->worker.outbound_counters().get(c) + s_->worker.inbound_counters().get(c);
  }
  const int64_t now_ns = monotonic_ns();
  const SaTable* sas = s_->sas.current();
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (size_t i = 0; i < sas->tunnels().size(); ++i) {
    const auto& t = sas->tunnels()[i];
    const InboundSa* insa = t.inbound.get();
    nlohmann::json tj;
    tj["name"] = t.name;
    // AWS's TunnelDataIn (after decryption) and TunnelDataOut (before encryption): inner bytes
    // over the tunnel's life, across rekeys.
    const TunnelTraffic traffic = s_->traffic.totals(i);
    tj["data_in_bytes"] = traffic.in_bytes;
    tj["data_in_packets"] = traffic.in_packets;
    tj["data_out_bytes"] = traffic.out_bytes;
    tj["data_out_packets"] = traffic.out_packets;
    if (i < s_->cfg.tunnels.size() && s_->cfg.tunnels[i].limits) {
      // What is over it shows in the counters drop_tx_rate_limit and drop_rx_rate_limit.
      const auto& l = *s_->cfg.tunnels[i].limits;
      tj["limits"] = {{"bandwidth_mbps", l.bandwidth_mbps}, {"packets_per_second", l.packets_per_second}};
    }
    if (t.outbound)
      tj["outbound"] = {{"spi", hex32(t.outbound->spi)},
                        {"packets", t.outbound->counters.packets.load()},
                        {"bytes", t.outbound->counters.bytes.load()},
                        {"last_seq", t.outbound->last_seq.load()}};
    if (insa) {
      const int64_t last = insa->counters.last_packet_ns.load();
      tj["inbound"] = {{"spi", hex32(insa->spi)},
                       {"packets", insa->counters.packets.load()},
                       {"bytes", insa->counters.bytes.load()},
                       {"auth_failures", insa->counters.auth_failures.load()},
                       {"replay_drops", insa->counters.replay_drops.load()},
                       {"last_packet_age_ms", last == 0 ? nlohmann::json(nullptr) : nlohmann::json((now_ns - last) / 1'000'000)}};
    }
    tunnels.push_back(std::move(tj));
  }
  j["fib"] = {{"routes", s_->fib.current()->size()}};
  if (s_->bgp) {
    const auto& st = s_->bgp->installer().stats();
    j["fib"]["published_at_ms"] = st.published_at_ms;
    j["fib"]["builds"] = st.fib_builds;
    j["fib"]["last_build_ms"] = st.last_build_ms;
    j["kernel_routes"] = {{"changes", st.kernel_changes}, {"errors", st.kernel_errors}, {"last_error", st.last_kernel_error}};
  }
  if (s_->bgp) j["bgp"] = s_->bgp->summary();
  if (s_->ike) j["ike"] = s_->ike->summary();
  return j;
}

EndpointState Gateway::endpoint_state() const {
  EndpointState e;
  e.gateway = s_->cfg.name;
  e.outside_address = s_->cfg.outside_address;
  const SaTable* sas = s_->sas.current();
  for (size_t i = 0; i < sas->tunnels().size(); ++i) {
    const TunnelTraffic traffic = s_->traffic.totals(i);
    e.tunnels.push_back({sas->tunnels()[i].name, sas->tunnels()[i].outbound != nullptr, traffic.in_bytes, traffic.out_bytes});
  }
  if (s_->bgp) {
    const auto& speaker = s_->bgp->speaker();
    e.bgp_configured = true;
    e.bgp_up = speaker.any_established();
    speaker.for_each_best_path([&](const IpPrefix& p, const bgp::PathAttributes& a) {
      e.routes.push_back({p, uint32_t(a.as_path.length()), a.as_path.first_asn().value_or(0), a.med, a.communities});
    });
  }
  return e;
}

void Gateway::run(const std::string& stats_path) {
  const auto& cfg = s_->cfg;
  Daemon daemon({"gateway " + cfg.name,
                 cfg.management_socket.empty() ? ManagementServer::default_path(cfg.name) : cfg.management_socket,
                 stats_path, std::chrono::seconds(1), 0,
                 // A peer that stops reading must not hold the exit: the goodbyes get 2 s.
                 std::chrono::seconds(2)});
  daemon.every(std::chrono::seconds(1), [this] {
    s_->fib.reclaim();
    s_->sas.reclaim();
    s_->traffic.fold(monotonic_ns());
  });
  if (cfg.bgp) {
    const uint32_t router_id = cfg.bgp->router_id ? cfg.bgp->router_id->v4_host_order()
                                                   : cfg.tun_addresses.front().address.v4_host_order();
    s_->bgp = std::make_unique<bgp::Instance>(
        daemon, *cfg.bgp, router_id,
        bgp::InstanceHooks{[this] {
                             s_->fib.publish(build_fib(s_->cfg, s_->bgp ? &s_->bgp->speaker() : nullptr));
                             s_->fib.reclaim();
                           },
                           s_->ifindex, [this](const std::string& name) { return tunnel_id(s_->cfg, name); }});
  } else {
    for (const auto& name : bgp::Instance::command_names())
      daemon.command(name, [](const nlohmann::json&) -> nlohmann::json {
        throw std::invalid_argument("BGP is not configured on this gateway ([bgp] section)");
      });
  }
  if (auto specs = ike_tunnels(cfg); !specs.empty()) {
    ike::EndpointConfig ec;
    ec.local.address = cfg.outside_address;
    ec.local.ike_port = cfg.ike_port;
    ec.local.natt_port = cfg.outside_port;
    ec.natt_fd = s_->udp.fd();
    s_->ike = std::make_unique<ike::Endpoint>(daemon.io(), ec, s_->inbox, std::move(specs), [this] {
      try {
        s_->sas.publish(build_sa_table(s_->cfg, s_->sas.current(), s_->ike.get()));
        s_->sas_changed();
        s_->sas.reclaim();
      } catch (const std::invalid_argument& e) {
        // Two tunnels drew the same random inbound SPI (about n^2 / 2^33): keep the current table
        // rather than stop the gateway: the data plane keeps the previous SAs until the next change.
        spdlog::error("gateway {}: SA table not updated: {}", s_->cfg.name, e.what());
      }
    });
    daemon.on_shutdown([this] { s_->ike->stop(); });  // DELETE of every IKE SA
  }
  daemon.stats([this] {
    auto j = stats();
    if (s_->bgp)
      if (auto bfd = s_->bgp->bfd_summary(); !bfd.is_null()) j["bfd"] = std::move(bfd);
    return j;
  });
  daemon.command("endpoint state", [this](const nlohmann::json&) { return to_json(endpoint_state()); });
  auto need_ike = [this]() -> ike::Endpoint& {
    if (!s_->ike) throw std::invalid_argument("no tunnel on this gateway is keyed by IKE ([tunnel.ike])");
    return *s_->ike;
  };
  daemon.command("ike", [need_ike](const nlohmann::json&) { return need_ike().summary(); });
  daemon.command("ike esp-sa", [need_ike](const nlohmann::json& req) {
    return nlohmann::json{{"esp_sa", need_ike().wireshark_esp_sa(req.value("tunnel", ""))}};
  });
  daemon.command("ike restart", [need_ike](const nlohmann::json& req) {
    const std::string tunnel = req.value("tunnel", "");
    if (!need_ike().restart_tunnel(tunnel)) throw std::invalid_argument("no IKE tunnel named '" + tunnel + "'");
    return nlohmann::json{{"restarted", tunnel}};
  });

  daemon.run([this] {
    s_->worker.start();
    if (s_->bgp) s_->bgp->start();
    if (s_->ike) s_->ike->start();
  });
  s_->worker.stop();
  daemon.write_stats();
  s_->bgp.reset();
  s_->ike.reset();
  spdlog::info("gateway {}: final counters {}", s_->cfg.name, stats()["counters"].dump());
}

}  // namespace vpngw
