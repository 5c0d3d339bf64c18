// The Direct Connect model: AWS's defaults (peerings in 169.254.0.0/16, MD5 keys, ASNs, BGP timers)
// and one row per AWS rule, each refusal naming the key, the value and the rule.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/config/config_error.hpp"
#include "dx/dx_config.hpp"
#include "dx/dx_config_json.hpp"

namespace vpngw::dx {
namespace {

const std::string kOneVif = R"toml(
[[dx_connection]]
id = "dxcon-1"
bandwidth = "1Gbps"
[[dx_gateway]]
id = "dxgw-1"
virtual_gateways = ["vgw-1"]
[[dx_vif]]
id = "dxvif-1"
connection = "dxcon-1"
vlan = 101
direct_connect_gateway = "dxgw-1"
)toml";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

std::string vif(const std::string& id, const std::string& connection, int vlan, const std::string& extra = "") {
  return "\n[[dx_vif]]\nid = \"" + id + "\"\nconnection = \"" + connection + "\"\nvlan = " + std::to_string(vlan) + "\n" + extra;
}

TEST(DirectConnect, DefaultsAreAwsDefaults) {
  std::set<std::string> peerings, keys;
  for (int run = 0; run < 20; ++run) {
    const auto cfg = parse_direct_connect(kOneVif + vif("dxvif-2", "dxcon-1", 102, "direct_connect_gateway = \"dxgw-1\"\n"), "dx.toml");
    const auto& c = cfg.connections.at(0);
    EXPECT_EQ(c.type, ConnectionType::dedicated);
    EXPECT_EQ(c.bits_per_second, 1'000'000'000u);
    EXPECT_EQ(cfg.gateways.at(0).amazon_side_asn, 64512u);
    for (const auto& v : cfg.vifs) {
      EXPECT_EQ(v.type, VifType::private_vif);
      EXPECT_EQ(v.mtu, 1500u);
      EXPECT_EQ(v.asn, 65000u);
      EXPECT_EQ(v.hold_time_s, 90u);
      EXPECT_EQ(v.keepalive_s, 30u);
      EXPECT_EQ(v.max_prefixes(), 100u);
      EXPECT_EQ(v.auth_key.size(), 24u) << "MD5 is always on: a key is generated";
      keys.insert(v.auth_key);
      const auto& p = v.peering;
      EXPECT_EQ(p.amazon_address.length, 30);
      EXPECT_EQ(p.amazon_address.address.v4_host_order() >> 16, 0xa9feu) << p.amazon_address.to_string();
      EXPECT_EQ(p.amazon_address.address.v4_host_order() & 3, 1u);
      EXPECT_EQ(p.customer_address.address.v4_host_order(), p.amazon_address.address.v4_host_order() + 1);
      peerings.insert(p.amazon_address.address.to_string());
    }
    EXPECT_NE(cfg.vifs[0].peering.amazon_address, cfg.vifs[1].peering.amazon_address) << "two VIFs, two /30s";
  }
  EXPECT_GT(peerings.size(), 30u);
  EXPECT_EQ(keys.size(), 40u);
}

TEST(DirectConnect, ExampleFileHoldsEveryKind) {
  const auto cfg = load_direct_connect(std::string(VPNGW_SOURCE_DIR) + "/examples/dx.toml");
  ASSERT_EQ(cfg.vifs.size(), 5u);
  const auto& transit = cfg.vifs[2];
  EXPECT_EQ(transit.type, VifType::transit);
  EXPECT_TRUE(transit.peering.amazon_address.address.v6);
  EXPECT_EQ(transit.peering.amazon_address.length, 125);
  const auto& pub = cfg.vifs[3];
  EXPECT_EQ(pub.max_prefixes(), 1000u);
  EXPECT_TRUE(pub.hosted_on_partner) << "a VIF on a partner's connection is a hosted VIF";
  EXPECT_EQ(cfg.connection("dxcon-hosted")->bits_per_second, 500'000'000u);
  EXPECT_EQ(cfg.vifs[0].peering.amazon_address.to_string(), "169.254.10.1/30");
}

TEST(DirectConnect, CheckPrintsTheResolvedModelButNeverAKey) {
  const auto j = to_json(load_direct_connect(std::string(VPNGW_SOURCE_DIR) + "/examples/dx.toml"));
  EXPECT_EQ(j["virtual_interfaces"][1]["bgp"]["hold_time"], 90);
  EXPECT_EQ(j["virtual_interfaces"][0]["amazon_address"], "169.254.10.1/30");
  EXPECT_EQ(j["connections"][2]["bits_per_second"], 500'000'000u);
  EXPECT_EQ(j.dump().find("lab-md5-key-a"), std::string::npos);
}

TEST(DirectConnect, BandwidthsAsAwsWritesThem) {
  EXPECT_EQ(parse_bandwidth("50Mbps"), 50'000'000u);
  EXPECT_EQ(parse_bandwidth("400Gbps"), 400'000'000'000u);
  EXPECT_FALSE(parse_bandwidth("10 Gbps"));
  EXPECT_FALSE(parse_bandwidth("Gbps"));
  EXPECT_FALSE(parse_bandwidth("10gbps"));
  EXPECT_FALSE(check_connection_bandwidth(ConnectionType::hosted, "25Gbps"));
  EXPECT_TRUE(check_connection_bandwidth(ConnectionType::dedicated, "25Gbps"));
}

struct Row {
  const char* what;
  std::string text;
  std::vector<std::string> message_has;
};

TEST(DirectConnect, EveryAwsRuleRefusesWithItsWording) {
  const std::string hosted = "\n[[dx_connection]]\nid = \"dxcon-h\"\ntype = \"hosted\"\nbandwidth = \"50Mbps\"\n";
  const std::string tgw_gw = "\n[[dx_gateway]]\nid = \"dxgw-t\"\ntransit_gateways = [\"tgw-1\"]\n";
  const std::string lag = "[[dx_lag]]\nid = \"dxlag-1\"\nconnections_bandwidth = \"10Gbps\"\n";
  auto lag_link = [](int i, const std::string& bw = "10Gbps") {
    return "\n[[dx_connection]]\nid = \"l" + std::to_string(i) + "\"\nbandwidth = \"" + bw + "\"\nlag = \"dxlag-1\"\n";
  };
  std::string fifty_one = kOneVif, five_transit = kOneVif + tgw_gw;
  for (int i = 2; i <= 51; ++i) fifty_one += vif("v" + std::to_string(i), "dxcon-1", 100 + i, "virtual_gateway = \"vgw-1\"\n");
  for (int i = 1; i <= 5; ++i)
    five_transit += vif("t" + std::to_string(i), "dxcon-1", 200 + i, "type = \"transit\"\ndirect_connect_gateway = \"dxgw-t\"\n");
  const std::vector<Row> rows = {
      {"dedicated speed", replace(kOneVif, "\"1Gbps\"", "\"2Gbps\""), {"dx_connection[0].bandwidth", "\"2Gbps\"", "dedicated connections of 1Gbps, 10Gbps"}},
      {"hosted speed", kOneVif + replace(hosted, "50Mbps", "40Mbps"), {"dx_connection[1].bandwidth", "hosted connections of 50Mbps"}},
      {"connection type", replace(kOneVif, "bandwidth", "type = \"leased\"\nbandwidth"), {"type", "\"leased\"", "dedicated, hosted"}},
      {"VLAN 0", replace(kOneVif, "vlan = 101", "vlan = 0"), {"dx_vif[0].vlan", "1-4094"}},
      {"VLAN 4095", replace(kOneVif, "vlan = 101", "vlan = 4095"), {"4095", "1-4094"}},
      {"VLAN missing", replace(kOneVif, "vlan = 101", ""), {"dx_vif[0].vlan", "missing"}},
      {"VLAN twice on a connection", kOneVif + vif("dxvif-2", "dxcon-1", 101, "virtual_gateway = \"vgw-1\"\n"),
       {"dx_vif[1].vlan", "101", "unique per connection"}},
      {"private MTU", replace(kOneVif, "vlan = 101", "vlan = 101\nmtu = 8500"), {"mtu", "8500", "1500 or 9001"}},
      {"transit MTU", kOneVif + tgw_gw + vif("t", "dxcon-1", 7, "type = \"transit\"\nmtu = 9001\ndirect_connect_gateway = \"dxgw-t\"\n"),
       {"dx_vif[1].mtu", "1500 or 8500"}},
      {"public MTU", kOneVif + vif("p", "dxcon-1", 7, "type = \"public\"\nmtu = 9001\n"), {"public VIF's MTU is 1500"}},
      {"private VIF with no gateway", replace(kOneVif, "direct_connect_gateway = \"dxgw-1\"", ""), {"exactly one of direct_connect_gateway and virtual_gateway"}},
      {"private VIF with two gateways", replace(kOneVif, "direct_connect_gateway = \"dxgw-1\"", "direct_connect_gateway = \"dxgw-1\"\nvirtual_gateway = \"vgw-1\""),
       {"exactly one"}},
      {"transit VIF without DX gateway", kOneVif + vif("t", "dxcon-1", 7, "type = \"transit\"\n"), {"dx_vif[1].direct_connect_gateway", "transit VIF"}},
      {"transit VIF to a VGW", kOneVif + vif("t", "dxcon-1", 7, "type = \"transit\"\ndirect_connect_gateway = \"dxgw-1\"\n"),
       {"associated with virtual private gateways", "only private VIFs"}},
      {"private VIF to a TGW's DX gateway", kOneVif + tgw_gw + vif("p", "dxcon-1", 7, "direct_connect_gateway = \"dxgw-t\"\n"),
       {"associated with transit gateways", "only transit VIFs"}},
      {"DX gateway with VGWs and TGWs", replace(kOneVif, "virtual_gateways = [\"vgw-1\"]", "virtual_gateways = [\"vgw-1\"]\ntransit_gateways = [\"tgw-1\"]"),
       {"dx_gateway[0].transit_gateways", "not both"}},
      {"unknown DX gateway", replace(kOneVif, "direct_connect_gateway = \"dxgw-1\"", "direct_connect_gateway = \"dxgw-9\""), {"dxgw-9", "no [[dx_gateway]]"}},
      {"unknown connection", replace(kOneVif, "connection = \"dxcon-1\"", "connection = \"dxcon-9\""), {"dx_vif[0].connection", "dxcon-9"}},
      {"DX gateway ASN", replace(kOneVif, "id = \"dxgw-1\"", "id = \"dxgw-1\"\namazon_side_asn = 65535"),
       {"dx_gateway[0].amazon_side_asn", "65535", "64512-65534 or 4200000000-4294967294"}},
      {"customer ASN equals the gateway's", replace(kOneVif, "vlan = 101", "vlan = 101\nasn = 64512"), {"dx_vif[0].asn", "64512", "eBGP"}},
      {"customer ASN 0", replace(kOneVif, "vlan = 101", "vlan = 101\nasn = 0"), {"asn", "1-4294967294"}},
      {"MD5 key too short", replace(kOneVif, "vlan = 101", "vlan = 101\nauth_key = \"abc\""), {"auth_key", "6-80 characters"}},
      {"MD5 key with a space", replace(kOneVif, "vlan = 101", "vlan = 101\nauth_key = \"abc def ghi\""), {"without spaces"}},
      {"one peer address", replace(kOneVif, "vlan = 101", "vlan = 101\namazon_address = \"169.254.10.1/30\""), {"customer_address", "both peer addresses or neither"}},
      {"peers in two subnets",
       replace(kOneVif, "vlan = 101", "vlan = 101\namazon_address = \"169.254.10.1/30\"\ncustomer_address = \"169.254.10.6/30\""),
       {"customer_address", "169.254.10.6/30", "amazon_address's /30"}},
      {"private VIF outside link-local",
       replace(kOneVif, "vlan = 101", "vlan = 101\namazon_address = \"10.0.0.1/30\"\ncustomer_address = \"10.0.0.2/30\""),
       {"amazon_address", "169.254.0.0/16"}},
      {"a /29 peering", replace(kOneVif, "vlan = 101", "vlan = 101\namazon_address = \"169.254.10.1/29\"\ncustomer_address = \"169.254.10.2/29\""),
       {"/30 or a /31"}},
      {"IPv6 peering given", replace(kOneVif, "vlan = 101", "vlan = 101\naddress_family = \"ipv6\"\namazon_address = \"2001:db8::1/125\"\ncustomer_address = \"2001:db8::2/125\""),
       {"AWS allocates the /125"}},
      {"public VIF without addresses", kOneVif + vif("p", "dxcon-1", 7, "type = \"public\"\nroute_filter_prefixes = [\"198.51.100.0/24\"]\n"),
       {"dx_vif[1].amazon_address", "public IPv4 addresses"}},
      {"public VIF without prefixes",
       kOneVif + vif("p", "dxcon-1", 7, "type = \"public\"\namazon_address = \"203.0.113.1/30\"\ncustomer_address = \"203.0.113.2/30\"\n"),
       {"route_filter_prefixes", "public prefixes"}},
      {"prefixes on a private VIF", replace(kOneVif, "vlan = 101", "vlan = 101\nroute_filter_prefixes = [\"198.51.100.0/24\"]"), {"only a public VIF"}},
      {"keepalive past a third of hold", replace(kOneVif, "vlan = 101", "vlan = 101\nhold_time = 30\nkeepalive = 11"), {"keepalive", "a third of hold_time"}},
      {"hold time 2", replace(kOneVif, "vlan = 101", "vlan = 101\nhold_time = 2"), {"hold_time", "3-65535"}},
      {"two VIFs on a hosted connection", kOneVif + hosted + vif("h1", "dxcon-h", 1, "virtual_gateway = \"vgw-1\"\n") +
                                              vif("h2", "dxcon-h", 2, "virtual_gateway = \"vgw-1\"\n"),
       {"dx_vif[2].connection", "a hosted connection carries one VIF"}},
      {"51 private VIFs", fifty_one, {"50 private and public VIFs per dedicated connection"}},
      {"5 transit VIFs", five_transit, {"4 transit VIFs per dedicated connection"}},
      {"VIF on a LAG member", lag + lag_link(1) + vif("v", "l1", 5, "virtual_gateway = \"vgw-1\"\n"), {"a member of LAG", "goes on the LAG"}},
      {"LAG of mixed speeds", lag + lag_link(1) + lag_link(2, "1Gbps"), {"dx_connection[1].bandwidth", "the LAG's links are all 10Gbps"}},
      {"five links", lag + lag_link(1) + lag_link(2) + lag_link(3) + lag_link(4) + lag_link(5), {"dx_connection[4].lag", "4 links"}},
      {"three 100G links",
       replace(lag, "10Gbps", "100Gbps") + lag_link(1, "100Gbps") + lag_link(2, "100Gbps") + lag_link(3, "100Gbps"), {"2 links in a LAG of 100Gbps"}},
      {"hosted connection in a LAG", lag + replace(hosted, "50Mbps", "10Gbps") + "lag = \"dxlag-1\"\n", {"only dedicated connections join a LAG"}},
      {"minimum links past the links", replace(lag, "10Gbps\"", "10Gbps\"\nminimum_links = 3") + lag_link(1) + lag_link(2),
       {"dx_lag[0].minimum_links", "more than the LAG's 2 links"}},
      {"empty LAG", lag, {"dx_lag[0]", "no [[dx_connection]] names this LAG"}},
      {"duplicate id", replace(kOneVif, "id = \"dxgw-1\"", "id = \"dxcon-1\""), {"ids must be unique"}},
      {"misspelt key", replace(kOneVif, "vlan = 101", "vlan = 101\nvlan_id = 5"), {"dx_vif[0].vlan_id", "unknown key"}},
  };
  for (const auto& row : rows) {
    try {
      parse_direct_connect(row.text, "dx.toml");
      ADD_FAILURE() << row.what << ": accepted";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      for (const auto& part : row.message_has)
        EXPECT_NE(msg.find(part), std::string::npos) << row.what << ": '" << part << "' missing from: " << msg;
    }
  }
}

}  // namespace
}  // namespace vpngw::dx
