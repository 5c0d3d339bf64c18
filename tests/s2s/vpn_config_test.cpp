// The Site-to-Site model: AWS's defaults (random inside CIDRs and keys that obey AWS's own rules)
// and one row per AWS rule, each refusal naming the key, the value and the rule.
#include <gtest/gtest.h>

#include <set>

#include "s2s/vpn_config.hpp"

namespace vpngw::s2s {
namespace {

const std::string kVgw = R"toml(
[[customer_gateway]]
id = "cgw-1"
ip_address = "198.51.100.2"
[[vpn_gateway]]
id = "vgw-1"
[[vpn_connection]]
id = "vpn-1"
customer_gateway = "cgw-1"
vpn_gateway = "vgw-1"
)toml";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(SiteToSite, DefaultsAreAwsDefaultsAndObeyAwsRules) {
  for (int run = 0; run < 20; ++run) {
    const auto cfg = parse_site_to_site(kVgw, "lab.toml");
    EXPECT_EQ(cfg.customer_gateways.at(0).bgp_asn, 65000u);
    EXPECT_EQ(cfg.vpn_gateways.at(0).amazon_side_asn, 64512u);
    const auto& c = cfg.vpn_connections.at(0);
    EXPECT_FALSE(c.static_routes_only);
    std::set<std::string> cidrs;
    for (const auto& t : c.tunnels) {
      EXPECT_FALSE(check_inside_cidr(t.tunnel_inside_cidr)) << t.tunnel_inside_cidr.to_string();
      EXPECT_FALSE(ike::check_pre_shared_key(t.ike.pre_shared_key)) << t.ike.pre_shared_key;
      EXPECT_EQ(t.replay_window_size, 1024u);
      EXPECT_EQ(t.ike.dpd_timeout_seconds, 40u);
      cidrs.insert(t.tunnel_inside_cidr.to_string());
    }
    EXPECT_EQ(cidrs.size(), 2u) << "the two tunnels get different inside CIDRs";
    EXPECT_NE(c.tunnels[0].ike.pre_shared_key, c.tunnels[1].ike.pre_shared_key);
  }
}

TEST(SiteToSite, ExplicitTunnelOptionsAndInsideAddresses) {
  const auto cfg = parse_site_to_site(kVgw + R"toml(
[[vpn_connection.tunnel]]
tunnel_inside_cidr = "169.254.10.0/30"
pre_shared_key = "Aws_Tunnel1.psk"
dpd_timeout_action = "restart"
replay_window_size = 2048
)toml", "lab.toml");
  const auto& t = cfg.vpn_connections.at(0).tunnels[0];
  EXPECT_EQ(t.aws_inside_address().to_string(), "169.254.10.1");
  EXPECT_EQ(t.customer_inside_address().to_string(), "169.254.10.2");
  EXPECT_EQ(t.ike.pre_shared_key, "Aws_Tunnel1.psk");
  EXPECT_EQ(t.ike.dpd_timeout_action, ike::DpdAction::restart);
  EXPECT_EQ(t.replay_window_size, 2048u);
  EXPECT_NE(cfg.vpn_connections[0].tunnels[1].tunnel_inside_cidr, t.tunnel_inside_cidr);
}

TEST(SiteToSite, AsnFieldsAsAwsStoresThem) {
  CustomerGateway g;
  g.bgp_asn = 2147483647u;
  EXPECT_EQ(g.asn_field(), "BgpAsn");
  g.bgp_asn = 2147483648u;
  EXPECT_EQ(g.asn_field(), "BgpAsnExtended");
}

struct Row {
  const char* what;
  std::string text;
  std::vector<std::string> message_has;
};

TEST(SiteToSite, EveryAwsRuleRefusesWithItsWording) {
  const std::string tunnel = "\n[[vpn_connection.tunnel]]\n";
  const std::vector<Row> rows = {
      {"Amazon ASN below the private range", replace(kVgw, "id = \"vgw-1\"", "id = \"vgw-1\"\namazon_side_asn = 64511"),
       {"vpn_gateway[0].amazon_side_asn", "64511", "64512-65534"}},
      {"Amazon ASN out of range", replace(kVgw, "id = \"vgw-1\"", "id = \"vgw-1\"\namazon_side_asn = 65535"),
       {"vpn_gateway[0].amazon_side_asn", "65535", "64512-65534 or 4200000000-4294967294"}},
      {"Amazon ASN 4-byte out of range", replace(kVgw, "id = \"vgw-1\"", "id = \"vgw-1\"\namazon_side_asn = 4199999999"),
       {"4199999999", "64512-65534"}},
      {"customer ASN 0", replace(kVgw, "id = \"cgw-1\"", "id = \"cgw-1\"\nbgp_asn = 0"),
       {"customer_gateway[0].bgp_asn", "BgpAsn 1-2147483647", "BgpAsnExtended"}},
      {"customer ASN 4294967295", replace(kVgw, "id = \"cgw-1\"", "id = \"cgw-1\"\nbgp_asn = 4294967295"), {"4294967295"}},
      {"same ASN both sides", replace(kVgw, "id = \"cgw-1\"", "id = \"cgw-1\"\nbgp_asn = 64512"), {"equals the Amazon side ASN", "eBGP"}},
      {"IPv6 customer gateway", replace(kVgw, "198.51.100.2", "2001:db8::2"), {"ip_address", "IPv4"}},
      {"no gateway", replace(kVgw, "vpn_gateway = \"vgw-1\"", ""), {"exactly one of vpn_gateway and transit_gateway"}},
      {"both gateways", replace(kVgw, "vpn_gateway = \"vgw-1\"", "vpn_gateway = \"vgw-1\"\ntransit_gateway = \"tgw-1\""),
       {"exactly one"}},
      {"unknown VGW", replace(kVgw, "vpn_gateway = \"vgw-1\"", "vpn_gateway = \"vgw-9\""), {"vpn_connection[0].vpn_gateway", "vgw-9"}},
      {"unknown CGW", replace(kVgw, "customer_gateway = \"cgw-1\"", "customer_gateway = \"cgw-9\""), {"cgw-9", "no [[customer_gateway]]"}},
      {"duplicate id", replace(kVgw, "id = \"vgw-1\"", "id = \"cgw-1\""), {"ids must be unique"}},
      {"routes on a dynamic connection", kVgw + "routes = [\"10.20.0.0/16\"]\n", {"static_routes_only = true"}},
      {"inside CIDR not a /30", kVgw + tunnel + "tunnel_inside_cidr = \"169.254.10.0/29\"\n", {"tunnel_inside_cidr", "/30 in 169.254.0.0/16"}},
      {"inside CIDR outside link-local", kVgw + tunnel + "tunnel_inside_cidr = \"10.0.0.0/30\"\n", {"169.254.0.0/16"}},
      {"reserved inside CIDR", kVgw + tunnel + "tunnel_inside_cidr = \"169.254.3.0/30\"\n", {"169.254.3.0/30", "reserved by AWS"}},
      {"reserved metadata CIDR", kVgw + tunnel + "tunnel_inside_cidr = \"169.254.169.252/30\"\n", {"reserved by AWS"}},
      {"same CIDR twice", kVgw + tunnel + "tunnel_inside_cidr = \"169.254.10.0/30\"\n" + tunnel + "tunnel_inside_cidr = \"169.254.10.0/30\"\n",
       {"tunnel[1].tunnel_inside_cidr", "unique across the VPN connections of a virtual private gateway"}},
      {"three tunnels", kVgw + tunnel + tunnel + tunnel, {"two tunnels"}},
      {"bad PSK", kVgw + tunnel + "pre_shared_key = \"0short\"\n", {"pre_shared_key", "8-64"}},
      {"replay window", kVgw + tunnel + "replay_window_size = 4096\n", {"replay_window_size", "64-2048"}},
      {"DPD timeout", kVgw + tunnel + "dpd_timeout_seconds = 20\n", {"dpd_timeout_seconds = 20", "30 or more"}},
      {"misspelt tunnel key", kVgw + tunnel + "inside_cidr = \"169.254.10.0/30\"\n", {"tunnel[0].inside_cidr", "unknown key"}},
  };
  for (const auto& row : rows) {
    try {
      parse_site_to_site(row.text, "lab.toml");
      ADD_FAILURE() << row.what << ": accepted";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      for (const auto& part : row.message_has)
        EXPECT_NE(msg.find(part), std::string::npos) << row.what << ": '" << part << "' missing from: " << msg;
    }
  }
}

TEST(SiteToSite, TransitGatewayConnectionsMayReuseInsideCidrs) {
  const std::string tgw = R"toml(
[[customer_gateway]]
id = "cgw-1"
ip_address = "198.51.100.2"
[[transit_gateway]]
id = "tgw-1"
[[vpn_connection]]
id = "vpn-1"
customer_gateway = "cgw-1"
transit_gateway = "tgw-1"
[[vpn_connection.tunnel]]
tunnel_inside_cidr = "169.254.10.0/30"
[[vpn_connection]]
id = "vpn-2"
customer_gateway = "cgw-1"
transit_gateway = "tgw-1"
static_routes_only = true
routes = ["10.30.0.0/16"]
[[vpn_connection.tunnel]]
tunnel_inside_cidr = "169.254.10.0/30"
)toml";
  const auto cfg = parse_site_to_site(tgw, "lab.toml");
  EXPECT_TRUE(cfg.transit_gateways.at(0).vpn_ecmp_support);
  EXPECT_EQ(cfg.vpn_connections.at(1).routes.at(0).to_string(), "10.30.0.0/16");
}

}  // namespace
}  // namespace vpngw::s2s
