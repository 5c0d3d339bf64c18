#include "apps/dx.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/guarded.hpp"
#include "dx/dx_config_json.hpp"
#include "dx/vlan_port.hpp"
#include "runtime/daemon.hpp"

namespace vpngw {
namespace {

struct PortOptions {
  std::string link, stats, socket, police;
  std::vector<std::string> vifs;
};

int run_port(const PortOptions& o) {
  dx::VlanPortConfig cfg{o.link, {}};
  if (!o.police.empty()) {
    const auto bps = dx::parse_bandwidth(o.police);
    if (!bps) throw ConfigError("--police \"" + o.police + "\": a speed as AWS writes it, e.g. 50Mbps or 1Gbps");
    cfg.police_bits_per_second = *bps;
  }
  for (const auto& v : o.vifs) cfg.vifs.push_back(dx::parse_vif_port(v));
  dx::VlanPort port(cfg);
  Daemon daemon({"dx port " + o.link, o.socket.empty() ? ManagementServer::default_path("dx-port-" + o.link) : o.socket, o.stats});
  daemon.stats([&] { return port.stats(); });
  daemon.run([&] { port.start(); });
  port.stop();
  daemon.write_stats();
  return 0;
}

}  // namespace

std::function<int()> add_dx_command(CLI::App& app) {
  auto* group = app.add_subcommand("dx", "Direct Connect model (AWS's names and rules)");
  auto* check = group->add_subcommand("check", "validate a model and print it with AWS's defaults filled in");
  auto* port = group->add_subcommand("port", "a Direct Connect link's VLAN port: one TAP per VIF, 802.1Q tags on the link");
  group->require_subcommand(1);
  auto po = std::make_shared<PortOptions>();
  port->add_option("--link", po->link, "the link device (carries the tagged frames)")->required();
  port->add_option("--vif", po->vifs, "VLAN:TAP[:ADDRESS/LEN[:MTU]] (repeat), e.g. 101:dxvif0:169.254.10.1/30")->required();
  port->add_option("--police", po->police, "police each direction to this speed, e.g. 50Mbps (a hosted connection)");
  port->add_option("--stats", po->stats, "write counters as JSON to this file every second and at exit");
  port->add_option("--socket", po->socket, "management socket (default /run/vpngw/dx-port-LINK.sock)");
  auto path = std::make_shared<std::string>();
  check->add_option("-c,--config", *path, "the model (TOML), see docs/reference/dx-model.md")->required();
  return [=]() -> int {
    if (!check->parsed() && !port->parsed()) return -1;
    return guarded([&] {
      if (port->parsed()) return run_port(*po);
      std::cout << to_json(dx::load_direct_connect(*path)).dump(2) << "\n";
      return 0;
    });
  };
}

}  // namespace vpngw
