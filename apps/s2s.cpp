#include "apps/s2s.hpp"

#include "apps/cli_args.hpp"
#include "apps/guarded.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>


#include "s2s/render.hpp"
#include "s2s/vgw_router.hpp"
#include "s2s/vpn_config.hpp"

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
  std::vector<std::string> aws_outside, vpc_cidrs, onprem_cidrs, customer_med, customer_prepend;
  std::optional<uint16_t> hold_time, keepalive;  // unset: the gateway's BGP defaults
  uint32_t bfd_ms = 0;
  bool multipath = false;
  bool aws_limits = false;
  std::optional<unsigned> bfd_mult;
};

int render(const RenderOptions& o) {
  s2s::RenderInputs in;
  if (o.aws_outside.size() != 2) throw ConfigError("--aws-outside takes two addresses, one per tunnel");
  for (size_t i = 0; i < 2; ++i) in.aws_outside[i] = address_arg(o.aws_outside[i], "--aws-outside");
  in.vpc_cidrs = prefix_args(o.vpc_cidrs, "--vpc-cidr");
  in.onprem_cidrs = prefix_args(o.onprem_cidrs, "--onprem-cidr");
  in.bgp_hold_time = o.hold_time;
  in.bgp_keepalive = o.keepalive;
  if (o.bfd_ms) in.bfd_interval_ms = o.bfd_ms;
  in.customer_multipath = o.multipath;
  if (o.aws_limits) in.aws_limits.emplace();
  if (o.bfd_mult) in.bfd_multiplier = uint8_t(*o.bfd_mult);
  if (!o.customer_med.empty() && o.customer_med.size() != 2) throw ConfigError("--customer-med takes two values, one per tunnel");
  for (size_t i = 0; i < o.customer_med.size(); ++i) in.customer_med[i] = uint32_t(std::stoul(o.customer_med[i]));
  if (!o.customer_prepend.empty() && o.customer_prepend.size() != 2)
    throw ConfigError("--customer-prepend takes two values, one per tunnel");
  for (size_t i = 0; i < o.customer_prepend.size(); ++i) {
    const unsigned long n = std::stoul(o.customer_prepend[i]);
    if (n > 10) throw ConfigError("--customer-prepend: at most 10 extra copies of the ASN");
    in.customer_prepend[i] = uint8_t(n);
  }
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

struct VgwOptions {
  std::string name = "vgw";
  bool transit = false, no_ecmp = false;
  std::vector<std::string> endpoints, dx_endpoints, statics;
  unsigned poll_ms = 100;
  std::string socket;
  uint16_t metrics_port = 0;
};

// --endpoint NAME,SOCKET,NEXT_HOP, --dx-endpoint NAME,SOCKET,VIF,NEXT_HOP and --static PREFIX,NAME
int run_vgw(const VgwOptions& o) {
  s2s::VgwRouterConfig cfg;
  cfg.name = o.name;
  cfg.kind = o.transit ? s2s::GatewayKind::transit_gateway : s2s::GatewayKind::vpn_gateway;
  cfg.vpn_ecmp_support = !o.no_ecmp;
  cfg.poll_interval = std::chrono::milliseconds(o.poll_ms);
  for (const auto& e : o.endpoints) {
    const size_t a = e.find(','), b = e.rfind(',');
    if (a == std::string::npos || a == b) throw ConfigError("--endpoint \"" + e + "\": NAME,SOCKET,NEXT_HOP");
    cfg.endpoints.push_back({e.substr(0, a), e.substr(a + 1, b - a - 1), address_arg(e.substr(b + 1), "--endpoint")});
  }
  for (const auto& e : o.dx_endpoints) {
    const size_t a = e.find(','), b = a == std::string::npos ? a : e.find(',', a + 1), c = e.rfind(',');
    if (b == std::string::npos || c == b) throw ConfigError("--dx-endpoint \"" + e + "\": NAME,SOCKET,VIF,NEXT_HOP");
    cfg.endpoints.push_back({e.substr(0, a), e.substr(a + 1, b - a - 1), address_arg(e.substr(c + 1), "--dx-endpoint"),
                             e.substr(b + 1, c - b - 1)});
  }
  if (cfg.endpoints.empty()) throw ConfigError("--endpoint or --dx-endpoint: at least one tunnel endpoint or VIF");
  for (const auto& st : o.statics) {
    const size_t a = st.find(',');
    const auto prefix = prefix_args({st.substr(0, a)}, "--static");
    const std::string name = a == std::string::npos ? "" : st.substr(a + 1);
    auto it = std::find_if(cfg.endpoints.begin(), cfg.endpoints.end(), [&](const s2s::VgwEndpoint& e) { return e.name == name; });
    if (it == cfg.endpoints.end()) throw ConfigError("--static \"" + st + "\": PREFIX,ENDPOINT_NAME of an --endpoint");
    cfg.statics.push_back({prefix[0], uint32_t(it - cfg.endpoints.begin())});
  }
  s2s::run_vgw_router(cfg, o.socket, o.metrics_port);
  return 0;
}

}  // namespace

std::function<int()> add_s2s_command(CLI::App& app) {
  auto* group = app.add_subcommand("s2s", "Site-to-Site VPN model (AWS's names and rules)");
  auto* check = group->add_subcommand("check", "validate a model and print it with AWS's defaults filled in");
  auto* render_cmd = group->add_subcommand(
      "render", "write the gateway configs that run one VPN connection: the AWS end of each tunnel and the customer gateway");
  auto* vgw_cmd = group->add_subcommand(
      "vgw", "run the AWS gateway's router: polls the tunnel endpoints and routes towards on-prem by AWS's priority");
  group->require_subcommand(1);
  auto vo = std::make_shared<VgwOptions>();
  vgw_cmd->add_option("--name", vo->name, "gateway id, e.g. vgw-1 (also names the management socket)");
  vgw_cmd->add_flag("--transit", vo->transit, "a transit gateway (ECMP over tunnels) instead of a virtual private gateway");
  vgw_cmd->add_flag("--no-ecmp", vo->no_ecmp, "transit gateway with VpnEcmpSupport disabled");
  vgw_cmd->add_option("--endpoint", vo->endpoints, "NAME,SOCKET,NEXT_HOP of a tunnel endpoint (repeat)");
  vgw_cmd->add_option("--dx-endpoint", vo->dx_endpoints,
                      "NAME,SOCKET,VIF,NEXT_HOP of a Direct Connect VIF (repeat): the Direct Connect endpoint's socket, "
                      "the VIF's id, the customer's peer address");
  vgw_cmd->add_option("--static", vo->statics, "PREFIX,NAME: a static VPN route through that endpoint's tunnel");
  vgw_cmd->add_option("--poll-ms", vo->poll_ms, "how often the endpoints are asked (ms)");
  vgw_cmd->add_option("--management-socket", vo->socket, "default /run/vpngw/NAME.sock");
  vgw_cmd->add_option("--metrics-port", vo->metrics_port, "serve Prometheus text (TunnelState, TunnelDataIn/Out) on 127.0.0.1:PORT");
  auto path = std::make_shared<std::string>();
  check->add_option("-c,--config", *path, "the model (TOML), see docs/site-to-site.md")->required();
  auto ro = std::make_shared<RenderOptions>();
  render_cmd->add_option("-c,--config", ro->model, "the model (TOML)")->required();
  render_cmd->add_option("--connection", ro->connection, "the vpn_connection id")->required();
  render_cmd->add_option("--aws-outside", ro->aws_outside, "the two tunnels' AWS outside addresses")->delimiter(',')->required();
  render_cmd->add_option("--vpc-cidr", ro->vpc_cidrs, "prefixes the AWS side announces")->delimiter(',')->required();
  render_cmd->add_option("--onprem-cidr", ro->onprem_cidrs, "prefixes the customer gateway announces")->delimiter(',')->required();
  render_cmd->add_option("--hold-time", ro->hold_time, "BGP hold time on both ends (default: the gateway's [bgp] hold_time, as in AWS's examples)");
  render_cmd->add_option("--keepalive", ro->keepalive, "BGP keepalive on both ends (default: the gateway's [bgp] keepalive)");
  render_cmd->add_option("--customer-med", ro->customer_med, "MED the customer gateway announces per tunnel, e.g. 100,200")->delimiter(',');
  render_cmd->add_option("--customer-prepend", ro->customer_prepend, "AS_PATH prepends per tunnel, e.g. 0,2")->delimiter(',');
  render_cmd->add_flag("--aws-limits", ro->aws_limits, "AWS's per-tunnel limits on the AWS ends (1.25 Gbps, 140,000 packets/s)");
  render_cmd->add_flag("--customer-multipath", ro->multipath, "the customer gateway sends over both tunnels (active/active, BGP multipath)");
  render_cmd->add_option("--bfd-ms", ro->bfd_ms, "BFD inside each tunnel at this interval (not AWS VPN: a lab probe; 0: off)");
  render_cmd->add_option("--bfd-multiplier", ro->bfd_mult, "BFD detect multiplier")->check(CLI::Range(1, 255));
  render_cmd->add_option("-o,--out", ro->out_dir, "directory for the generated files")->required();
  return [=]() -> int {
    if (!check->parsed() && !render_cmd->parsed() && !vgw_cmd->parsed()) return -1;
    return guarded([&] {
      if (render_cmd->parsed()) return render(*ro);
      if (vgw_cmd->parsed()) return run_vgw(*vo);
      std::cout << to_json(s2s::load_site_to_site(*path)).dump(2) << "\n";
      return 0;
    });
  };
}

}  // namespace vpngw
