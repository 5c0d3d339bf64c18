#include "apps/s2s.hpp"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "control/s2s/vpn_config.hpp"

namespace vpngw {
namespace {

nlohmann::json to_json(const s2s::SiteToSiteConfig& cfg) {
  nlohmann::json j;
  for (const auto& g : cfg.customer_gateways)
    j["customer_gateways"].push_back({{"id", g.id}, {std::string(g.asn_field()), g.bgp_asn}, {"ip_address", g.ip_address.to_string()}});
  for (const auto& g : cfg.vpn_gateways) j["vpn_gateways"].push_back({{"id", g.id}, {"amazon_side_asn", g.amazon_side_asn}});
  for (const auto& g : cfg.transit_gateways)
    j["transit_gateways"].push_back({{"id", g.id}, {"amazon_side_asn", g.amazon_side_asn}, {"vpn_ecmp_support", g.vpn_ecmp_support}});
  for (const auto& c : cfg.vpn_connections) {
    nlohmann::json cj{{"id", c.id}, {"customer_gateway", c.customer_gateway}, {"static_routes_only", c.static_routes_only}};
    if (!c.vpn_gateway.empty()) cj["vpn_gateway"] = c.vpn_gateway;
    if (!c.transit_gateway.empty()) cj["transit_gateway"] = c.transit_gateway;
    for (const auto& r : c.routes) cj["routes"].push_back(r.to_string());
    for (const auto& t : c.tunnels)
      cj["tunnels"].push_back({{"tunnel_inside_cidr", t.tunnel_inside_cidr.to_string()},
                               {"aws_inside_address", t.aws_inside_address().to_string()},
                               {"customer_inside_address", t.customer_inside_address().to_string()},
                               {"pre_shared_key", t.ike.pre_shared_key},
                               {"replay_window_size", t.replay_window_size},
                               {"dpd_timeout_seconds", t.ike.dpd_timeout_seconds},
                               {"dpd_timeout_action", ike::dpd_action_name(t.ike.dpd_timeout_action)},
                               {"phase1_lifetime_seconds", t.ike.phase1_lifetime_seconds},
                               {"phase2_lifetime_seconds", t.ike.phase2_lifetime_seconds}});
    j["vpn_connections"].push_back(std::move(cj));
  }
  return j;
}

}  // namespace

std::function<int()> add_s2s_command(CLI::App& app) {
  auto* s2s = app.add_subcommand("s2s", "Site-to-Site VPN model (AWS's names and rules)");
  auto* check = s2s->add_subcommand("check", "validate a model and print it with AWS's defaults filled in");
  s2s->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  check->add_option("-c,--config", *path, "the model (TOML), see docs/site-to-site.md")->required();
  return [=]() -> int {
    if (!check->parsed()) return -1;
    try {
      std::cout << to_json(s2s::load_site_to_site(*path)).dump(2) << "\n";
      return 0;
    } catch (const ConfigError& e) {
      std::cerr << "vpngw: config error: " << e.what() << "\n";
      return 2;
    }
  };
}

}  // namespace vpngw
