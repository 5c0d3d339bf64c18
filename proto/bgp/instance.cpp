#include "proto/bgp/instance.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "proto/bfd/service.hpp"

namespace vpngw::bgp {

Instance::Instance(Daemon& daemon, const BgpConfig& cfg, uint32_t router_id, InstanceHooks hooks)
    : installer_(daemon.io(), std::move(hooks.rebuild_fib), cfg.kernel_routes, hooks.tun_ifindex) {
  auto tunnel_ids = hooks.tunnel_ids ? hooks.tunnel_ids : [](const std::string& name) -> uint32_t {
    throw std::logic_error("BGP neighbour names tunnel " + name + " on a process without tunnels");
  };
  speaker_ = std::make_unique<Speaker>(daemon.io(), cfg, router_id, std::move(tunnel_ids), installer_);

  std::vector<bfd::PeerConfig> peers;
  for (const auto& n : cfg.neighbors)
    if (n.bfd) peers.push_back({n.name, *n.local_address, n.address});
  if (!peers.empty()) {
    const uint32_t us = cfg.bfd_interval_ms * 1000;
    bfd_ = std::make_unique<bfd::Service>(
        daemon.io(), bfd::SessionConfig{us, us, cfg.bfd_multiplier, cfg.bfd_passive}, std::move(peers),
        [this](const bfd::PeerConfig& peer, const bfd::Transition& t) {
          if (t.from == bfd::State::up)
            speaker_->neighbor_path_down(peer.remote, "BFD down: " + std::string(bfd::to_string(t.diag)));
        });
  }

  daemon.on_shutdown([this] {
    speaker_->stop();       // Cease to every peer
    if (bfd_) bfd_->stop();  // AdminDown, so the peer does not wait for detection
  });

  daemon.command("bgp summary", [this](const nlohmann::json&) { return speaker_->summary(); });
  daemon.command("bgp routes", [this](const nlohmann::json& req) {
    const size_t limit = req.value("limit", size_t(1000));
    return nlohmann::json{{"routes", speaker_->routes(limit)}, {"total", speaker_->route_count()}};
  });
  daemon.command("bgp med", [this, name = daemon.config().name](const nlohmann::json& req) {
    const std::string who = req.value("neighbor", "");
    std::optional<uint32_t> med;
    if (req.contains("med") && req["med"].is_number_unsigned() && req["med"].get<uint64_t>() <= UINT32_MAX)
      med = req["med"].get<uint32_t>();
    else if (req.contains("med") && !req["med"].is_null())
      throw std::invalid_argument("med must be 0-4294967295 or null");
    if (!speaker_->set_med(who, med)) throw std::invalid_argument("no neighbour named '" + who + "'");
    spdlog::info("{}: MED towards {} now {}", name, who, med ? std::to_string(*med) : "none");
    return nlohmann::json{{"neighbor", who}, {"med", med ? nlohmann::json(*med) : nlohmann::json(nullptr)}};
  });
  daemon.command("bgp reset", [this](const nlohmann::json& req) {
    const std::string who = req.value("neighbor", "");
    if (!speaker_->reset(who)) throw std::invalid_argument("no neighbour named '" + who + "'");
    return nlohmann::json{{"reset", who}};
  });
  daemon.command("bfd", [this](const nlohmann::json&) {
    if (!bfd_) throw std::invalid_argument("no BGP neighbour here has bfd = true");
    return bfd_->summary();
  });
}

Instance::~Instance() = default;

void Instance::start() {
  speaker_->start();
  if (bfd_) bfd_->start();
}

nlohmann::json Instance::summary() const { return speaker_->summary(); }

nlohmann::json Instance::bfd_summary() const { return bfd_ ? bfd_->summary() : nlohmann::json(nullptr); }

const std::vector<std::string>& Instance::command_names() {
  static const std::vector<std::string> names{"bgp summary", "bgp routes", "bgp med", "bgp reset", "bfd"};
  return names;
}

}  // namespace vpngw::bgp
