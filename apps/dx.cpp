#include "apps/dx.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli_args.hpp"
#include "apps/guarded.hpp"
#include "dx/customer_render.hpp"
#include "dx/dx_endpoint.hpp"
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

struct ServeOptions {
  std::string config, name = "dx", socket, stats;
  std::vector<std::string> links, exports;
  uint16_t metrics_port = 0, bgp_port = 179;
};

int run_serve(const ServeOptions& o) {
  dx::DxEndpointConfig cfg;
  cfg.name = o.name;
  cfg.model = dx::load_direct_connect(o.config);
  for (const auto& l : o.links) {
    auto [connection, device] = pair_arg(l, "--link", "CONNECTION=DEVICE, e.g. dxcon-a=dx0");
    cfg.links.push_back({connection, device});
  }
  cfg.export_prefixes = prefix_args(o.exports, "--export");
  cfg.bgp_listen_port = o.bgp_port;
  cfg.management_socket = o.socket;
  dx::run_dx_endpoint(cfg, o.stats, o.metrics_port);
  return 0;
}

struct ExportOptions {
  std::string config, vendor = "bird", name = "customer";
  std::vector<std::string> links, announce, communities;
  bool bfd = false;
  uint32_t local_pref = 100;
};

int run_export(const ExportOptions& o) {
  const auto model = dx::load_direct_connect(o.config);
  dx::CustomerInputs in;
  in.name = o.name;
  for (const auto& l : o.links) {
    auto [connection, device] = pair_arg(l, "--link", "CONNECTION=DEVICE, e.g. dxcon-a=dx0");
    in.links.push_back({connection, device});
  }
  in.announce = prefix_args(o.announce, "--announce");
  for (const auto& c : o.communities) {
    auto [vif, text] = pair_arg(c, "--community", "VIF=ASN:VALUE, e.g. dxvif-a=7224:7300");
    const auto community = bgp::parse_community(text);
    if (!community) throw ConfigError("--community \"" + c + "\": VIF=ASN:VALUE, both halves 0-65535");
    in.communities[vif].push_back(*community);
  }
  in.bfd = o.bfd;
  in.local_pref = o.local_pref;
  if (o.vendor == "bird") std::cout << dx::render_bird(model, in);
  else if (o.vendor == "vpngw") std::cout << dx::render_customer_router(model, in);
  else throw ConfigError("--vendor \"" + o.vendor + "\": bird or vpngw");
  return 0;
}

}  // namespace

std::function<int()> add_dx_command(CLI::App& app) {
  auto* group = app.add_subcommand("dx", "Direct Connect model (AWS's names and rules)");
  auto* check = group->add_subcommand("check", "validate a model and print it with AWS's defaults filled in");
  auto* port = group->add_subcommand("port", "a Direct Connect link's VLAN port: one TAP per VIF, 802.1Q tags on the link");
  auto* serve = group->add_subcommand("serve", "AWS's end of Direct Connect: VLAN ports and a BGP session per VIF (AWS's settings)");
  auto* exp = group->add_subcommand("export-router", "print the customer router's config for the model's VIFs (BIRD 2 or vpngw router)");
  group->require_subcommand(1);
  auto so = std::make_shared<ServeOptions>();
  serve->add_option("-c,--config", so->config, "the model (TOML), its peer addresses and MD5 keys given")->required();
  serve->add_option("--link", so->links, "CONNECTION=DEVICE (repeat): the link a connection (or LAG) is here")->required();
  serve->add_option("--export", so->exports, "a prefix AWS announces on every VIF (the VPC CIDRs; repeat)");
  serve->add_option("--name", so->name, "the endpoint's name (management socket /run/vpngw/NAME.sock)");
  serve->add_option("--socket", so->socket, "management socket path instead");
  serve->add_option("--stats", so->stats, "write the summary as JSON to this file every second and at exit");
  serve->add_option("--metrics-port", so->metrics_port, "serve AWS/DX metrics as Prometheus text on 127.0.0.1:PORT");
  serve->add_option("--bgp-port", so->bgp_port, "BGP's TCP port (179)");
  auto eo = std::make_shared<ExportOptions>();
  exp->add_option("-c,--config", eo->config, "the model (TOML), its peer addresses and MD5 keys given")->required();
  exp->add_option("--link", eo->links, "CONNECTION=DEVICE (repeat): the customer's link to a connection")->required();
  exp->add_option("--announce", eo->announce, "an on-prem prefix to announce (repeat)");
  exp->add_option("--community", eo->communities, "VIF=ASN:VALUE (repeat): tag what is announced on that VIF, e.g. 7224:7300");
  exp->add_flag("--bfd", eo->bfd, "start BFD on every VIF (300 ms x 3)");
  exp->add_option("--local-pref", eo->local_pref, "LOCAL_PREF for AWS's routes learned over Direct Connect (100)");
  exp->add_option("--vendor", eo->vendor, "bird (default) or vpngw");
  auto po = std::make_shared<PortOptions>();
  port->add_option("--link", po->link, "the link device (carries the tagged frames)")->required();
  port->add_option("--vif", po->vifs, "VLAN:TAP[:ADDRESS/LEN[:MTU]] (repeat), e.g. 101:dxvif0:169.254.10.1/30")->required();
  port->add_option("--police", po->police, "police each direction to this speed, e.g. 50Mbps (a hosted connection)");
  port->add_option("--stats", po->stats, "write counters as JSON to this file every second and at exit");
  port->add_option("--socket", po->socket, "management socket (default /run/vpngw/dx-port-LINK.sock)");
  auto path = std::make_shared<std::string>();
  check->add_option("-c,--config", *path, "the model (TOML), see docs/reference/dx-model.md")->required();
  return [=]() -> int {
    if (!check->parsed() && !port->parsed() && !serve->parsed() && !exp->parsed()) return -1;
    return guarded([&] {
      if (port->parsed()) return run_port(*po);
      if (serve->parsed()) return run_serve(*so);
      if (exp->parsed()) return run_export(*eo);
      std::cout << to_json(dx::load_direct_connect(*path)).dump(2) << "\n";
      return 0;
    });
  };
}

}  // namespace vpngw
