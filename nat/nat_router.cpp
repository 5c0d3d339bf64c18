#include "nat/nat_router.hpp"

#include <functional>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "nat/nat_worker.hpp"
#include "runtime/daemon.hpp"
#include "tun/netlink.hpp"

namespace vpngw {
namespace {

nat::TranslatorConfig translator_config(const NatConfig& cfg) {
  nat::TranslatorConfig t;
  for (const auto& e : cfg.enis) t.eni_addresses.push_back(e.address.v4_host_order());
  t.inside_address = cfg.inside_address.v4_host_order();
  t.client_network = cfg.client_cidr.address.v4_host_order();
  t.client_mask = cfg.client_cidr.length == 0 ? 0 : ~uint32_t(0) << (32 - cfg.client_cidr.length);
  t.capacity = cfg.capacity;
  t.timeouts = cfg.timeouts;
  return t;
}

std::string mac_text(const nat::Mac& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

}  // namespace

struct NatRouter::State {
  NatConfig cfg;
  TunDevice tun;
  std::vector<std::unique_ptr<TunDevice>> taps;
  std::unique_ptr<NatWorker> worker;

  explicit State(NatConfig c) : cfg(std::move(c)), tun(cfg.tun_name, 1) {
    std::vector<NatWorker::Port> ports;
    for (const auto& e : cfg.enis) {
      taps.push_back(std::make_unique<TunDevice>(e.device, 1, DeviceKind::tap));
      nat::EniConfig ec;
      ec.mac = e.mac;
      ec.address = e.address.v4_host_order();
      ec.prefix_len = e.prefix_len;
      ec.gateway = e.gateway ? e.gateway->v4_host_order() : 0;
      ports.push_back({taps.back().get(), ec});
    }
    worker = std::make_unique<NatWorker>(tun, std::move(ports), translator_config(cfg));
  }
};

NatRouter::NatRouter(NatConfig config) : s_(std::make_unique<State>(std::move(config))) {
  const auto& cfg = s_->cfg;
  Netlink nl;
  const int tun_index = Netlink::ifindex(cfg.tun_name);
  nl.set_mtu(tun_index, 1500);
  nl.set_txqueuelen(tun_index, 4096);  // TUN's default 500 drops bursts of new flows before we read them
  nl.set_link_up(tun_index, true);
  for (const auto& e : cfg.enis) {
    const int idx = Netlink::ifindex(e.device);
    nl.set_mtu(idx, 1500);
    nl.set_link_up(idx, true);
  }
  // The kernel sends traffic for the VPC into the TUN: the routes given, else every ENI's subnet.
  std::vector<IpPrefix> routes = cfg.routes;
  if (routes.empty()) {
    for (const auto& e : cfg.enis) {
      const uint32_t mask = ~uint32_t(0) << (32 - e.prefix_len);
      routes.push_back(IpPrefix{IpAddress::v4_from_host_order(e.address.v4_host_order() & mask), e.prefix_len});
    }
  }
  for (const auto& r : routes) nl.replace_route(r, tun_index);
  for (const auto& e : cfg.enis)
    spdlog::info("nat {}: ENI {} {}/{} mac {}{}", cfg.name, e.device, e.address.to_string(), e.prefix_len,
                 mac_text(e.mac), e.gateway ? " gateway " + e.gateway->to_string() : "");
  spdlog::info("nat {}: clients {} on {}, {} routes into it, up to {} flows", cfg.name, cfg.client_cidr.to_string(),
               cfg.tun_name, routes.size(), cfg.capacity);
}

NatRouter::~NatRouter() { s_->worker->stop(); }

void NatRouter::start() { s_->worker->start(); }
void NatRouter::stop() { s_->worker->stop(); }

nlohmann::json NatRouter::stats() const {
  nlohmann::json j;
  j["nat"] = s_->cfg.name;
  const auto& t = s_->worker->translator();
  auto& c = j["counters"];
  for (size_t i = 0; i < nat::kCounterCount; ++i) c[std::string(nat::kCounterInfo[i].name)] = t.counters().get(nat::Counter(i));
  auto& enis = j["enis"] = nlohmann::json::array();
  for (size_t e = 0; e < s_->worker->eni_count(); ++e) {
    const auto& eni = s_->worker->eni(e);
    nlohmann::json ej{{"device", s_->cfg.enis[e].device}, {"address", s_->cfg.enis[e].address.to_string()}};
    for (size_t k = 0; k < nat::kEniCounterCount; ++k) ej[nat::kEniCounterNames[k]] = eni.counter(nat::EniCounter(k));
    enis.push_back(std::move(ej));
  }
  return j;
}

void NatRouter::run(const std::string& stats_path, const std::string& management_socket) {
  Daemon daemon({"nat " + s_->cfg.name,
                 management_socket.empty() ? ManagementServer::default_path(s_->cfg.name) : management_socket, stats_path});
  daemon.stats([this] { return stats(); });
  daemon.run([this] { s_->worker->start(); });
  s_->worker->stop();
  daemon.write_stats();
}

}  // namespace vpngw
