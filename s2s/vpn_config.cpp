#include "s2s/vpn_config.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <toml++/toml.h>

#include "common/config/toml_reader.hpp"
#include "proto/ike/tunnel_options_config.hpp"

namespace vpngw::s2s {
namespace {

constexpr uint32_t kLinkLocal = 0xa9fe0000;  // 169.254.0.0/16

// The /30s AWS never hands out as tunnel inside CIDRs.
bool reserved(uint32_t network) {
  return (network >= 0xa9fe0000 && network <= 0xa9fe0500 && (network & 0xff) == 0) || network == 0xa9fea9fc;
}

std::string asn_text(uint64_t asn) { return std::to_string(asn); }

uint32_t read_asn(TableReader& r, const std::string& key, uint32_t fallback,
                  std::optional<std::string> (*check)(uint64_t)) {
  auto v = r.integer(key, 0, 4294967295);
  if (!v) return fallback;
  if (auto why = check(uint64_t(*v))) r.fail(key, asn_text(uint64_t(*v)), *why);
  return uint32_t(*v);
}

// Inside CIDRs in use per virtual private gateway (AWS: unique per VGW; not required on a TGW).
using UsedCidrs = std::map<std::string, std::set<uint32_t>>;

IpPrefix random_inside_cidr(std::mt19937& rng, const std::set<uint32_t>& used) {
  std::uniform_int_distribution<uint32_t> block(0, 16383);
  for (;;) {
    const uint32_t network = kLinkLocal | block(rng) << 2;
    if (!reserved(network) && !used.count(network)) return IpPrefix{IpAddress::v4_from_host_order(network), 30};
  }
}

VpnTunnel read_tunnel(TableReader& r) {
  VpnTunnel t;
  if (auto cidr = r.string("tunnel_inside_cidr")) {
    t.tunnel_inside_cidr = parse_prefix(r, "tunnel_inside_cidr", *cidr);
    if (auto why = check_inside_cidr(t.tunnel_inside_cidr)) r.fail("tunnel_inside_cidr", "\"" + *cidr + "\"", *why);
  }
  if (auto w = r.integer("replay_window_size", 64, 2048)) t.replay_window_size = uint32_t(*w);
  t.ike = read_ike_options(r, false);
  r.reject_unknown();
  return t;
}

VpnConnection read_connection(TableReader& r, const SiteToSiteConfig& cfg, std::set<std::string>& ids,
                              UsedCidrs& used, std::mt19937& rng) {
  VpnConnection c;
  c.id = read_unique_id(r, ids, "VPN connection");
  c.customer_gateway = r.required_string("customer_gateway", "the id of a [[customer_gateway]]");
  auto cgw = std::find_if(cfg.customer_gateways.begin(), cfg.customer_gateways.end(),
                          [&](const CustomerGateway& g) { return g.id == c.customer_gateway; });
  if (cgw == cfg.customer_gateways.end()) r.fail("customer_gateway", "\"" + c.customer_gateway + "\"", "no [[customer_gateway]] has that id");
  c.vpn_gateway = r.string("vpn_gateway").value_or("");
  c.transit_gateway = r.string("transit_gateway").value_or("");
  if (c.vpn_gateway.empty() == c.transit_gateway.empty())
    r.fail(c.vpn_gateway.empty() ? "vpn_gateway" : "transit_gateway", "",
           "a VPN connection attaches to exactly one of vpn_gateway and transit_gateway");
  uint32_t amazon_asn = 0;
  if (!c.vpn_gateway.empty()) {
    auto vgw = std::find_if(cfg.vpn_gateways.begin(), cfg.vpn_gateways.end(),
                            [&](const VpnGateway& g) { return g.id == c.vpn_gateway; });
    if (vgw == cfg.vpn_gateways.end()) r.fail("vpn_gateway", "\"" + c.vpn_gateway + "\"", "no [[vpn_gateway]] has that id");
    amazon_asn = vgw->amazon_side_asn;
  } else {
    auto tgw = std::find_if(cfg.transit_gateways.begin(), cfg.transit_gateways.end(),
                            [&](const TransitGateway& g) { return g.id == c.transit_gateway; });
    if (tgw == cfg.transit_gateways.end())
      r.fail("transit_gateway", "\"" + c.transit_gateway + "\"", "no [[transit_gateway]] has that id");
    amazon_asn = tgw->amazon_side_asn;
  }
  if (cgw->bgp_asn == amazon_asn)
    r.fail("customer_gateway", "\"" + c.customer_gateway + "\"",
           "its BGP ASN " + std::to_string(amazon_asn) + " equals the Amazon side ASN; the BGP sessions are eBGP");
  if (auto s = r.boolean("static_routes_only")) c.static_routes_only = *s;
  c.routes = parse_prefix_list(r, "routes");
  if (!c.routes.empty() && !c.static_routes_only)
    r.fail("routes", "", "static routes need static_routes_only = true (dynamic connections learn routes by BGP)");

  std::set<uint32_t>& in_use = used[c.vpn_gateway.empty() ? "tgw:" + c.id : "vgw:" + c.vpn_gateway];
  const toml::array* tunnels = r.array_of_tables("tunnel");
  if (tunnels && tunnels->size() > 2) r.fail("tunnel", std::to_string(tunnels->size()) + " tunnels", "a VPN connection has two tunnels");
  for (size_t i = 0; i < 2; ++i) {
    if (tunnels && i < tunnels->size()) {
      TableReader tr(*tunnels->get(i)->as_table(), r.full("tunnel[" + std::to_string(i) + "]"), r.source());
      c.tunnels[i] = read_tunnel(tr);
      if (c.tunnels[i].tunnel_inside_cidr.length == 30) {
        const uint32_t network = c.tunnels[i].tunnel_inside_cidr.address.v4_host_order();
        if (!in_use.insert(network).second)
          tr.fail("tunnel_inside_cidr", "\"" + c.tunnels[i].tunnel_inside_cidr.to_string() + "\"",
                  c.vpn_gateway.empty() ? "the two tunnels of a connection need different inside CIDRs"
                                        : "inside CIDRs must be unique across the VPN connections of a virtual private gateway");
        continue;
      }
    } else {
      c.tunnels[i].ike.pre_shared_key = ike::random_pre_shared_key();
    }
    c.tunnels[i].tunnel_inside_cidr = random_inside_cidr(rng, in_use);
    in_use.insert(c.tunnels[i].tunnel_inside_cidr.address.v4_host_order());
  }
  r.reject_unknown();
  return c;
}

}  // namespace

std::optional<std::string> check_amazon_side_asn(uint64_t asn) {
  if ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000u && asn <= 4294967294u)) return std::nullopt;
  return "AWS allows an Amazon side ASN of 64512-65534 or 4200000000-4294967294";
}

std::optional<std::string> check_customer_asn(uint64_t asn) {
  if (asn >= 1 && asn <= 4294967294u) return std::nullopt;
  return "AWS allows BgpAsn 1-2147483647 and BgpAsnExtended 2147483648-4294967294";
}

std::optional<std::string> check_inside_cidr(const IpPrefix& p) {
  const uint32_t network = p.address.v6 ? 0 : p.address.v4_host_order();
  if (p.address.v6 || p.length != 30 || (network & 0xffff0000) != kLinkLocal)
    return "AWS allows a /30 in 169.254.0.0/16";
  if (reserved(network))
    return "reserved by AWS: 169.254.0.0/30, 169.254.1.0/30, 169.254.2.0/30, 169.254.3.0/30, 169.254.4.0/30, "
           "169.254.5.0/30 and 169.254.169.252/30";
  return std::nullopt;
}

IpAddress VpnTunnel::aws_inside_address() const { return IpAddress::v4_from_host_order(tunnel_inside_cidr.address.v4_host_order() + 1); }
IpAddress VpnTunnel::customer_inside_address() const {
  return IpAddress::v4_from_host_order(tunnel_inside_cidr.address.v4_host_order() + 2);
}

SiteToSiteConfig parse_site_to_site(std::string_view toml_text, const std::string& source) {
  toml::table root = parse_toml(toml_text, source);
  TableReader top(root, "", source);
  SiteToSiteConfig cfg;
  std::set<std::string> ids;
  auto each = [&](const std::string& key, auto&& read) { for_each_table(top, key, read); };
  each("customer_gateway", [&](TableReader& r) {
    CustomerGateway g;
    g.id = read_unique_id(r, ids, "customer gateway");
    g.bgp_asn = read_asn(r, "bgp_asn", g.bgp_asn, check_customer_asn);
    g.ip_address = parse_address(r, "ip_address", r.required_string("ip_address", "the customer gateway's outside IPv4 address"));
    if (g.ip_address.v6) r.fail("ip_address", "\"" + g.ip_address.to_string() + "\"", "AWS takes an IPv4 address for a customer gateway");
    cfg.customer_gateways.push_back(g);
  });
  each("vpn_gateway", [&](TableReader& r) {
    VpnGateway g;
    g.id = read_unique_id(r, ids, "virtual private gateway");
    g.amazon_side_asn = read_asn(r, "amazon_side_asn", g.amazon_side_asn, check_amazon_side_asn);
    cfg.vpn_gateways.push_back(g);
  });
  each("transit_gateway", [&](TableReader& r) {
    TransitGateway g;
    g.id = read_unique_id(r, ids, "transit gateway");
    g.amazon_side_asn = read_asn(r, "amazon_side_asn", g.amazon_side_asn, check_amazon_side_asn);
    if (auto e = r.boolean("vpn_ecmp_support")) g.vpn_ecmp_support = *e;
    cfg.transit_gateways.push_back(g);
  });
  UsedCidrs used;
  std::mt19937 rng{std::random_device{}()};
  each("vpn_connection", [&](TableReader& r) { cfg.vpn_connections.push_back(read_connection(r, cfg, ids, used, rng)); });
  top.reject_unknown();
  return cfg;
}

SiteToSiteConfig load_site_to_site(const std::string& path) { return parse_site_to_site(read_config_file(path), path); }

}  // namespace vpngw::s2s
