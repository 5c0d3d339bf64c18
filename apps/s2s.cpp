#include "apps/s2s.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "control/s2s/render.hpp"
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

struct RenderOptions {
  std::string model, connection, out_dir;
  std::vector<std::string> aws_outside, vpc_cidrs, onprem_cidrs, customer_med;
  uint16_t hold_time = 30, keepalive = 10;
};

IpAddress address_arg(const std::string& text, const char* option) {
  auto a = IpAddress::parse(text);
  if (!a) throw ConfigError(std::string(option) + " \"" + text + "\": not an IP address");
  return *a;
}

std::vector<IpPrefix> prefix_args(const std::vector<std::string>& texts, const char* option) {
  std::vector<IpPrefix> out;
  for (const auto& t : texts) {
    auto p = IpPrefix::parse(t);
    if (!p) throw ConfigError(std::string(option) + " \"" + t + "\": not a prefix with no host bits set");
    out.push_back(*p);
  }
  return out;
}

int render(const RenderOptions& o) {
  s2s::RenderInputs in;
  if (o.aws_outside.size() != 2) throw ConfigError("--aws-outside takes two addresses, one per tunnel");
  for (size_t i = 0; i < 2; ++i) in.aws_outside[i] = address_arg(o.aws_outside[i], "--aws-outside");
  in.vpc_cidrs = prefix_args(o.vpc_cidrs, "--vpc-cidr");
  in.onprem_cidrs = prefix_args(o.onprem_cidrs, "--onprem-cidr");
  in.bgp_hold_time = o.hold_time;
  in.bgp_keepalive = o.keepalive;
  if (!o.customer_med.empty() && o.customer_med.size() != 2) throw ConfigError("--customer-med takes two values, one per tunnel");
  for (size_t i = 0; i < o.customer_med.size(); ++i) in.customer_med[i] = uint32_t(std::stoul(o.customer_med[i]));
  const auto r = s2s::render_connection(s2s::load_site_to_site(o.model), o.connection, in);
  std::filesystem::create_directories(o.out_dir);
  auto write = [&](const std::string& name, const std::string& text) {
    const auto path = std::filesystem::path(o.out_dir) / (name + ".toml");
    std::ofstream f(path);
    f << text;
    if (!f) throw ConfigError(path.string() + ": cannot write");
    std::cout << path.string() << "\n";
  };
  write(r.aws_endpoint_name[0], r.aws_endpoint[0]);
  write(r.aws_endpoint_name[1], r.aws_endpoint[1]);
  write(r.customer_gateway_name, r.customer_gateway);
  return 0;
}

}  // namespace

std::function<int()> add_s2s_command(CLI::App& app) {
  auto* group = app.add_subcommand("s2s", "Site-to-Site VPN model (AWS's names and rules)");
  auto* check = group->add_subcommand("check", "validate a model and print it with AWS's defaults filled in");
  auto* render_cmd = group->add_subcommand(
      "render", "write the gateway configs that run one VPN connection: the AWS end of each tunnel and the customer gateway");
  group->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  check->add_option("-c,--config", *path, "the model (TOML), see docs/site-to-site.md")->required();
  auto ro = std::make_shared<RenderOptions>();
  render_cmd->add_option("-c,--config", ro->model, "the model (TOML)")->required();
  render_cmd->add_option("--connection", ro->connection, "the vpn_connection id")->required();
  render_cmd->add_option("--aws-outside", ro->aws_outside, "the two tunnels' AWS outside addresses")->delimiter(',')->required();
  render_cmd->add_option("--vpc-cidr", ro->vpc_cidrs, "prefixes the AWS side announces")->delimiter(',')->required();
  render_cmd->add_option("--onprem-cidr", ro->onprem_cidrs, "prefixes the customer gateway announces")->delimiter(',')->required();
  render_cmd->add_option("--hold-time", ro->hold_time, "BGP hold time (AWS's examples: 30)");
  render_cmd->add_option("--keepalive", ro->keepalive, "BGP keepalive (AWS's examples: 10)");
  render_cmd->add_option("--customer-med", ro->customer_med, "MED the customer gateway announces per tunnel, e.g. 100,200")->delimiter(',');
  render_cmd->add_option("-o,--out", ro->out_dir, "directory for the generated files")->required();
  return [=]() -> int {
    if (!check->parsed() && !render_cmd->parsed()) return -1;
    try {
      if (render_cmd->parsed()) return render(*ro);
      std::cout << to_json(s2s::load_site_to_site(*path)).dump(2) << "\n";
      return 0;
    } catch (const ConfigError& e) {
      std::cerr << "vpngw: config error: " << e.what() << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "vpngw s2s: " << e.what() << "\n";
      return 1;
    }
  };
}

}  // namespace vpngw
