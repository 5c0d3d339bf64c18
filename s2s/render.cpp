#include "s2s/render.hpp"

#include <algorithm>
#include <sstream>
#include <toml++/toml.h>

#include "proto/ike/tunnel_options_config.hpp"

namespace vpngw::s2s {
namespace {

toml::array prefix_list(const std::vector<IpPrefix>& prefixes) {
  toml::array a;
  for (const auto& p : prefixes) a.push_back(p.to_string());
  return a;
}

std::string inside(const IpAddress& a) { return a.to_string() + "/30"; }

std::string to_text(const std::string& comment, const toml::table& t) {
  std::ostringstream os;
  os << comment << toml::toml_formatter(t, toml::format_flags::none) << "\n";
  return os.str();
}

uint32_t amazon_side_asn(const SiteToSiteConfig& m, const VpnConnection& c) {
  for (const auto& g : m.vpn_gateways)
    if (g.id == c.vpn_gateway) return g.amazon_side_asn;
  for (const auto& g : m.transit_gateways)
    if (g.id == c.transit_gateway) return g.amazon_side_asn;
  throw ConfigError("vpn connection " + c.id + ": its gateway is not in the model");
}

toml::table bgp_table(uint32_t asn, const RenderInputs& in, const std::vector<IpPrefix>& exports) {
  toml::table t{{"asn", int64_t(asn)}, {"export", prefix_list(exports)}};
  if (in.bgp_hold_time) t.insert("hold_time", int64_t(*in.bgp_hold_time));
  if (in.bgp_keepalive) t.insert("keepalive", int64_t(*in.bgp_keepalive));
  if (in.bfd_interval_ms) t.insert("bfd_interval_ms", int64_t(*in.bfd_interval_ms));
  if (in.bfd_interval_ms && in.bfd_multiplier) t.insert("bfd_multiplier", int64_t(*in.bfd_multiplier));
  return t;
}

}  // namespace

RenderedConnection render_connection(const SiteToSiteConfig& model, const std::string& connection_id,
                                     const RenderInputs& in) {
  auto conn = std::find_if(model.vpn_connections.begin(), model.vpn_connections.end(),
                           [&](const VpnConnection& c) { return c.id == connection_id; });
  if (conn == model.vpn_connections.end()) throw ConfigError("no vpn_connection with id '" + connection_id + "' in the model");
  const VpnConnection& c = *conn;
  auto cgw = std::find_if(model.customer_gateways.begin(), model.customer_gateways.end(),
                          [&](const CustomerGateway& g) { return g.id == c.customer_gateway; });
  if (cgw == model.customer_gateways.end()) throw ConfigError("vpn connection " + c.id + ": customer gateway not in the model");
  if (in.vpc_cidrs.empty()) throw ConfigError("vpn connection " + c.id + ": no VPC CIDR to announce from the AWS side");
  if (in.onprem_cidrs.empty()) throw ConfigError("vpn connection " + c.id + ": no on-prem prefix for the customer gateway");
  const uint32_t aws_asn = amazon_side_asn(model, c);
  const std::string via = c.vpn_gateway.empty() ? "transit gateway " + c.transit_gateway : "virtual private gateway " + c.vpn_gateway;

  RenderedConnection out;
  toml::array cgw_tunnels, cgw_neighbors, cgw_routes, cgw_inside;
  for (size_t i = 0; i < 2; ++i) {
    const VpnTunnel& t = c.tunnels[i];
    const std::string tunnel = "tunnel" + std::to_string(i + 1);
    const std::string name = c.id + "-" + tunnel;
    out.aws_endpoint_name[i] = name;

    // The AWS end: its own process, one tunnel, BGP to the customer gateway over the inside /30.
    toml::table aws{
        {"gateway", toml::table{{"name", name}}},
        {"outside", toml::table{{"address", in.aws_outside[i].to_string()}}},
        {"tun", toml::table{{"name", "vpngw0"}, {"address", inside(t.aws_inside_address())}}},
    };
    toml::table aws_tunnel{{"name", tunnel},
                           {"peer", cgw->ip_address.to_string()},
                           {"replay_window", int64_t(t.replay_window_size)},
                           {"ike", ike_options_table(t.ike)}};
    if (in.aws_limits)
      aws_tunnel.insert("limits", toml::table{{"bandwidth_mbps", int64_t(in.aws_limits->bandwidth_mbps)},
                                              {"packets_per_second", int64_t(in.aws_limits->packets_per_second)}});
    aws.insert("tunnel", toml::array{std::move(aws_tunnel)});
    if (c.static_routes_only) {
      toml::array routes;
      for (const auto& p : c.routes) routes.push_back(toml::table{{"prefix", p.to_string()}, {"tunnel", tunnel}});
      if (!routes.empty()) aws.insert("route", std::move(routes));
    } else {
      auto bgp = bgp_table(aws_asn, in, in.vpc_cidrs);
      bgp.insert("neighbor", toml::array{toml::table{{"name", "cgw"},
                                                     {"address", t.customer_inside_address().to_string()},
                                                     {"remote_asn", int64_t(cgw->bgp_asn)},
                                                     {"tunnel", tunnel},
                                                     {"local_address", t.aws_inside_address().to_string()},
                                                     {"max_prefixes", 100},
                                                     // lowered on the other tunnel during maintenance
                                                     {"med", 100},
                                                     {"bfd", in.bfd_interval_ms.has_value()}}});
      aws.insert("bgp", std::move(bgp));
    }
    out.aws_endpoint[i] = to_text("# " + c.id + " " + tunnel + ": the AWS end (" + via + "), generated by vpngw s2s render\n", aws);

    // The customer gateway's side of the same tunnel: it initiates, and restarts on DPD as
    // AWS's strongSwan example does (dpdaction=restart).
    ike::TunnelOptions cgw_ike = t.ike;
    cgw_ike.startup_action = ike::StartupAction::start;
    cgw_ike.dpd_timeout_action = ike::DpdAction::restart;
    cgw_tunnels.push_back(toml::table{{"name", tunnel},
                                      {"peer", in.aws_outside[i].to_string()},
                                      {"replay_window", int64_t(t.replay_window_size)},
                                      {"ike", ike_options_table(cgw_ike)}});
    cgw_inside.push_back(inside(t.customer_inside_address()));
    toml::table n{{"name", tunnel},
                  {"address", t.aws_inside_address().to_string()},
                  {"remote_asn", int64_t(aws_asn)},
                  {"tunnel", tunnel},
                  {"local_address", t.customer_inside_address().to_string()},
                  {"max_prefixes", 1000},  // AWS sends at most 1,000 routes to a customer gateway
                  {"bfd", in.bfd_interval_ms.has_value()}};
    if (in.customer_med[i]) n.insert("med", int64_t(*in.customer_med[i]));
    if (in.customer_prepend[i]) n.insert("as_path_prepend", int64_t(in.customer_prepend[i]));
    cgw_neighbors.push_back(std::move(n));
  }
  if (c.static_routes_only)  // a static customer gateway sends everything for the VPC into tunnel 1
    for (const auto& p : in.vpc_cidrs) cgw_routes.push_back(toml::table{{"prefix", p.to_string()}, {"tunnel", "tunnel1"}});

  out.customer_gateway_name = cgw->id;
  toml::table cg{
      {"gateway", toml::table{{"name", cgw->id}}},
      {"outside", toml::table{{"address", cgw->ip_address.to_string()}}},
      {"tun", toml::table{{"name", "cgw0"}, {"address", std::move(cgw_inside)}}},
      {"tunnel", std::move(cgw_tunnels)},
  };
  if (!cgw_routes.empty()) cg.insert("route", std::move(cgw_routes));
  if (!c.static_routes_only) {
    auto bgp = bgp_table(cgw->bgp_asn, in, in.onprem_cidrs);
    if (in.customer_multipath) bgp.insert("multipath", true);
    bgp.insert("neighbor", std::move(cgw_neighbors));
    cg.insert("bgp", std::move(bgp));
  }
  out.customer_gateway = to_text("# " + c.id + ": customer gateway " + cgw->id + ", both tunnels, generated by vpngw s2s render\n", cg);
  return out;
}

}  // namespace vpngw::s2s
