#include "control/gateway.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "dataplane/snapshot.hpp"
#include "dataplane/udp_socket.hpp"
#include "dataplane/worker.hpp"
#include "tun/netlink.hpp"
#include "tun/tun_device.hpp"

namespace vpngw {
namespace {

std::unique_ptr<const SaTable> build_sa_table(const GatewayConfig& cfg) {
  std::vector<TunnelEntry> tunnels;
  std::vector<std::shared_ptr<InboundSa>> inbound;
  for (const auto& t : cfg.tunnels) {
    TunnelEntry e;
    e.name = t.name;
    e.outbound = std::make_shared<OutboundSa>(t.outbound.spi, t.outbound.cipher, t.outbound.keymat, t.esn);
    UdpSocket::fill_sockaddr(t.peer, t.peer_port, e.peer, e.peer_len);
    tunnels.push_back(std::move(e));
    inbound.push_back(std::make_shared<InboundSa>(t.inbound.spi, t.inbound.cipher, t.inbound.keymat, t.esn,
                                                  t.replay_window));
  }
  return std::make_unique<const SaTable>(std::move(tunnels), std::move(inbound));
}

std::unique_ptr<const Fib> build_fib(const GatewayConfig& cfg) {
  std::vector<FibRoute> routes;
  for (const auto& r : cfg.routes) {
    for (TunnelId id = 0; id < cfg.tunnels.size(); ++id) {
      if (cfg.tunnels[id].name == r.tunnel) routes.push_back({r.prefix, id});
    }
  }
  return std::make_unique<const Fib>(routes);
}

std::string hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

struct Gateway::State {
  GatewayConfig cfg;
  TunDevice tun;
  UdpSocket udp;
  Snapshot<Fib> fib;
  Snapshot<SaTable> sas;
  Worker worker;
  int ifindex = 0;

  explicit State(GatewayConfig c)
      : cfg(std::move(c)),
        tun(cfg.tun_name, 1),
        udp(cfg.outside_address, cfg.outside_port),
        fib(build_fib(cfg)),
        sas(build_sa_table(cfg)),
        worker(tun, 0, udp, fib, sas) {}
};

Gateway::Gateway(GatewayConfig config) : s_(std::make_unique<State>(std::move(config))) {
  const auto& cfg = s_->cfg;
  Netlink nl;
  s_->ifindex = Netlink::ifindex(cfg.tun_name);
  nl.set_mtu(s_->ifindex, cfg.tun_mtu);
  if (cfg.tun_address) nl.add_address(s_->ifindex, *cfg.tun_address, cfg.tun_prefix_len);
  nl.set_link_up(s_->ifindex, true);
  // The kernel sends these prefixes into the TUN; the FIB then picks the tunnel.
  for (const auto& r : cfg.routes) nl.replace_route(r.prefix, s_->ifindex);
  spdlog::info("gateway {}: tun {} (mtu {}), outside {}:{}, {} tunnel(s), {} route(s)", cfg.name, cfg.tun_name,
               cfg.tun_mtu, cfg.outside_address.to_string(), cfg.outside_port, cfg.tunnels.size(), cfg.routes.size());
}

Gateway::~Gateway() { s_->worker.stop(); }

nlohmann::json Gateway::stats() const {
  nlohmann::json j;
  j["gateway"] = s_->cfg.name;
  auto& counters = j["counters"];
  for (size_t i = 0; i < kCounterCount; ++i) {
    const auto c = Counter(i);
    counters[std::string(kCounterInfo[i].name)] =
        s_->worker.outbound_counters().get(c) + s_->worker.inbound_counters().get(c);
  }
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  const int64_t now_ns = int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  const SaTable* sas = s_->sas.current();
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (size_t i = 0; i < sas->tunnels().size(); ++i) {
    const auto& t = sas->tunnels()[i];
    const InboundSa* insa = sas->find_inbound(s_->cfg.tunnels[i].inbound.spi);
    nlohmann::json tj;
    tj["name"] = t.name;
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
  return j;
}

void Gateway::run(const std::string& stats_path) {
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer timer(io);

  auto write_stats = [&] {
    if (stats_path.empty()) return;
    // Write then rename, so a reader never sees half a file.
    const std::string tmp = stats_path + ".tmp";
    {
      std::ofstream out(tmp);
      out << stats().dump(2) << "\n";
    }
    std::error_code ec;
    std::filesystem::rename(tmp, stats_path, ec);
    if (ec) spdlog::warn("cannot write stats to {}: {}", stats_path, ec.message());
  };

  std::function<void()> tick = [&] {
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      s_->fib.reclaim();
      s_->sas.reclaim();
      write_stats();
      tick();
    });
  };

  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("gateway {}: signal {}, shutting down", s_->cfg.name, sig);
    timer.cancel();
  });

  s_->worker.start();
  write_stats();
  tick();
  // The timer chain ends only when the signal handler cancels it.
  io.run();
  s_->worker.stop();
  write_stats();
  spdlog::info("gateway {}: final counters {}", s_->cfg.name, stats()["counters"].dump());
}

}  // namespace vpngw
