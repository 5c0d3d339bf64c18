// The vpngw command. Subcommands parse arguments and hand over to the libraries.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <spdlog/spdlog.h>

#include "apps/bench.hpp"
#include "apps/clientvpn.hpp"
#include "apps/ctl.hpp"
#include "apps/dx.hpp"
#include "apps/guarded.hpp"
#include "apps/lab.hpp"
#include "apps/reference.hpp"
#include "apps/s2s.hpp"
#include "apps/stream.hpp"
#include "apps/version.hpp"
#include "gateway/gateway.hpp"
#include "gateway/gateway_config.hpp"
#include "gateway/swanctl_export.hpp"
#include "nat/nat_router.hpp"
#include "router/router.hpp"
#include "router/router_config.hpp"

using vpngw::guarded;

int main(int argc, char** argv) {
  CLI::App app{"vpngw: a software VPN gateway that emulates AWS hybrid connectivity"};
  // At most one subcommand; none only with --version (checked after parsing: CLI11 would refuse
  // `vpngw --version` for the missing subcommand before printing the version).
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", vpngw::version_string());

  auto* gateway = app.add_subcommand("gateway", "run one gateway from a config file");
  std::string config_path, stats_path;
  bool check_only = false;
  gateway->add_option("-c,--config", config_path, "gateway config (TOML), see docs/reference/gateway.md")->required();
  gateway->add_option("--stats", stats_path, "write counters as JSON to this file every second and at exit");
  gateway->add_flag("--check", check_only, "validate the config and exit");
  std::string gateway_socket;
  gateway->add_option("--socket", gateway_socket, "management socket (default: [management] socket, else /run/vpngw/<name>.sock)");

  auto* router = app.add_subcommand("router", "run a plain BGP router (BGP + BFD + kernel routes, no tunnels)");
  std::string router_config, router_stats;
  bool router_check = false;
  router->add_option("-c,--config", router_config, "router config (TOML), see docs/reference/router.md")->required();
  router->add_option("--stats", router_stats, "write BGP state as JSON to this file every second and at exit");
  router->add_flag("--check", router_check, "validate the config and exit");

  auto* nat = app.add_subcommand("nat", "run a source-NAT router with ENI-like interfaces (Client VPN egress)");
  std::string nat_config, nat_stats, nat_socket;
  bool nat_check = false;
  nat->add_option("-c,--config", nat_config, "NAT config (TOML), see docs/nat.md")->required();
  nat->add_option("--stats", nat_stats, "write counters as JSON to this file every second and at exit");
  nat->add_option("--socket", nat_socket, "management socket (default /run/vpngw/<name>.sock)");
  nat->add_flag("--check", nat_check, "validate the config and exit");

  auto* ike = app.add_subcommand("ike", "IKE helpers");
  auto* export_cgw = ike->add_subcommand("export-cgw", "print a strongSwan swanctl.conf for the customer gateway");
  std::string export_config;
  std::vector<std::string> export_tunnels;
  export_cgw->add_option("-c,--config", export_config, "the AWS-side gateway config (TOML)")->required();
  export_cgw->add_option("-t,--tunnel", export_tunnels, "only these tunnels (default: every [tunnel.ike])");
  ike->require_subcommand(1);

  auto run_ctl = vpngw::add_ctl_command(app);
  auto run_s2s = vpngw::add_s2s_command(app);
  auto run_stream = vpngw::add_stream_command(app);
  auto run_lab = vpngw::add_lab_command(app);
  auto run_bench = vpngw::add_bench_command(app);
  auto run_clientvpn = vpngw::add_clientvpn_command(app);
  auto run_dx = vpngw::add_dx_command(app);
  auto run_reference = vpngw::add_reference_command(app);

  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    std::cerr << app.help() << "\nA subcommand is required\n";
    return 106;  // CLI11's RequiredError exit code, as before
  }
  // Logs usually go to a file or a pipe: write each line out as it happens, not when a buffer fills.
  spdlog::flush_on(spdlog::level::info);

  if (int rc = run_ctl(); rc >= 0) return rc;
  if (int rc = run_s2s(); rc >= 0) return rc;
  if (int rc = run_stream(); rc >= 0) return rc;
  if (int rc = run_lab(); rc >= 0) return rc;
  if (int rc = run_bench(); rc >= 0) return rc;
  if (int rc = run_clientvpn(); rc >= 0) return rc;
  if (int rc = run_dx(); rc >= 0) return rc;
  if (int rc = run_reference(); rc >= 0) return rc;

  if (export_cgw->parsed()) {
    return guarded([&] {
      std::cout << vpngw::ike::swanctl_config(vpngw::load_gateway_config(export_config), export_tunnels);
      return 0;
    });
  }
  if (nat->parsed()) {
    return guarded([&] {
      auto cfg = vpngw::load_nat_config(nat_config);
      if (nat_check) {
        std::cout << nat_config << ": ok (" << cfg.enis.size() << " ENIs)\n";
        return 0;
      }
      vpngw::NatRouter router(std::move(cfg));
      router.run(nat_stats, nat_socket);
      return 0;
    });
  }
  if (router->parsed()) {
    return guarded([&] {
      auto cfg = vpngw::load_router_config(router_config);
      if (router_check) {
        std::cout << router_config << ": ok (AS " << cfg.bgp.asn << ", " << cfg.bgp.neighbors.size() << " neighbours)\n";
        return 0;
      }
      vpngw::run_router(cfg, router_stats);
      return 0;
    });
  }
  if (gateway->parsed()) {
    return guarded([&] {
      auto cfg = vpngw::load_gateway_config(config_path);
      if (check_only) {
        std::cout << config_path << ": ok (" << cfg.tunnels.size() << " tunnels, " << cfg.routes.size()
                  << " routes)\n";
        return 0;
      }
      if (!gateway_socket.empty()) cfg.management_socket = gateway_socket;
      vpngw::Gateway gw(std::move(cfg));
      gw.run(stats_path);
      return 0;
    });
  }
  return 0;
}
