// Lab topology files: the built-in labs read into what the lab builds; every mistake is refused
// before anything is built, naming the key; the reference page is what the parser really reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/config/config_error.hpp"
#include "common/config/config_schema.hpp"
#include "lab/topology.hpp"
#include "tests/common/config/schema_expect.hpp"

namespace vpngw::lab {
namespace {

const std::string kTopologies = VPNGW_SOURCE_DIR "/lab/topologies";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Topology parse(const std::string& text) { return parse_topology(text, "t.toml", "/work"); }

TEST(Topology, DefaultLab) {
  const auto t = load_topology(kTopologies + "/default.toml", "/work");
  EXPECT_EQ(t.name, "default");
  ASSERT_TRUE(t.s2s && t.client_vpn);
  EXPECT_EQ(t.s2s->kind, "vgw");
  EXPECT_EQ(t.s2s->connection, "vpn-1");
  EXPECT_EQ(t.s2s->customer_outside.to_string(), "198.51.100.2");
  EXPECT_EQ(t.s2s->bfd_interval_ms, 300u);
  EXPECT_FALSE(t.s2s->bgp_hold_time);
  ASSERT_EQ(t.s2s->model.vpn_connections.size(), 1u);
  EXPECT_EQ(t.s2s->model.vpn_connections[0].vpn_gateway, "vgw-1");
  EXPECT_EQ(t.onprem_lan->to_string(), "10.0.0.0/24");
  ASSERT_EQ(t.hosts.size(), 2u);
  EXPECT_EQ(t.hosts[0].segment, "lan");
  EXPECT_EQ(t.hosts[1].segment, "s0");
  ASSERT_EQ(t.client_vpn->clients.size(), 2u);
  EXPECT_EQ(t.client_vpn->clients[1].group, "admins");
  EXPECT_EQ(t.client_vpn->clients[1].outside.to_string(), "198.51.100.102");
  // The endpoint config the lab hands to `vpngw clientvpn serve`: where it sits, and its rules.
  EXPECT_NE(t.endpoint_toml.find("vpc_cidr = '10.1.0.0/16'"), std::string::npos) << t.endpoint_toml;
  EXPECT_NE(t.endpoint_toml.find("eni_address = '10.1.0.4'"), std::string::npos) << t.endpoint_toml;
  EXPECT_NE(t.endpoint_toml.find("connection_log = '/work/connections.jsonl'"), std::string::npos);
}

TEST(Topology, EveryBuiltInLabReads) {
  const std::map<std::string, std::string> kinds{
      {"default", "vgw"}, {"s2s", "vgw"}, {"s2s-tgw", "tgw"}, {"s2s-static", "static"}, {"clientvpn", ""},
      {"dx", ""}, {"dx-vpn", "vgw"}};
  for (const auto& [name, kind] : kinds) {
    SCOPED_TRACE(name);
    const auto t = load_topology(kTopologies + "/" + name + ".toml", "/work");
    EXPECT_EQ(t.name, name);
    EXPECT_EQ(t.s2s ? t.s2s->kind : "", kind);
  }
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kTopologies)) files += e.path().extension() == ".toml";
  EXPECT_EQ(files, kinds.size()) << "a new built-in topology needs a line here";
}

TEST(Topology, DirectConnectLabsLinkEachConnection) {
  const auto t = load_topology(kTopologies + "/dx.toml", "/work");
  ASSERT_TRUE(t.dx);
  EXPECT_EQ(t.dx->linked, (std::vector<std::string>{"dxcon-a", "dxcon-b"}));
  ASSERT_EQ(t.dx->customer.links.size(), 2u);
  EXPECT_EQ(t.dx->customer.links[1].device, "dx1");
  EXPECT_TRUE(t.dx->customer.bfd);
  EXPECT_EQ(t.dx->customer.announce[0].to_string(), "10.0.0.0/16");
  const auto v = load_topology(kTopologies + "/dx-vpn.toml", "/work");
  ASSERT_TRUE(v.dx && v.s2s);
  EXPECT_EQ(v.dx->customer.local_pref, 200u);
}

TEST(Topology, DirectConnectRefusals) {
  const std::string base = R"(
[onprem]
cidr = "10.0.0.0/16"
[[vpc]]
id = "vpc-1"
cidr = "10.1.0.0/16"
subnets = ["10.1.0.0/24"]
[[dx_connection]]
id = "dxcon-a"
bandwidth = "1Gbps"
[[dx_vif]]
id = "dxvif-a"
connection = "dxcon-a"
vlan = 101
virtual_gateway = "vgw-1"
)";
  EXPECT_NO_THROW(parse_topology(base, "t.toml", "/work"));
  auto refused = [&](const std::string& extra, const std::string& key) {
    try {
      parse_topology(base + extra, "t.toml", "/work");
      ADD_FAILURE() << "accepted; wanted a refusal naming " << key;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  refused("[direct_connect]\ncustomer_communities = { \"dxvif-zz\" = [\"7224:7300\"] }\n", "dxvif-zz");
  refused("[direct_connect]\ncustomer_communities = { \"dxvif-a\" = [\"7224:99999\"] }\n", "7224:99999");
  refused("[direct_connect]\ncustomer_router = \"cisco\"\n", "customer_router");
  refused("[direct_connect]\ncolour = 1\n", "direct_connect.colour");
  refused("[[dx_vif]]\nid = \"dxvif-t\"\ntype = \"transit\"\nconnection = \"dxcon-a\"\nvlan = 7\nmtu = 8500\n"
          "direct_connect_gateway = \"dxgw-t\"\n[[dx_gateway]]\nid = \"dxgw-t\"\ntransit_gateways = [\"tgw-1\"]\n", "dxvif-t");
}

TEST(Topology, TransitGatewayHoldsEveryVpc) {
  const auto t = load_topology(kTopologies + "/s2s-tgw.toml", "/work");
  ASSERT_EQ(t.vpcs.size(), 2u);
  EXPECT_EQ(t.vpcs[1].cidr.to_string(), "10.2.0.0/16");
  EXPECT_EQ(t.hosts.back().segment, "s1");
}

TEST(Topology, SiteToSiteKnobsAreTyped) {
  const auto t = parse_topology(read(kTopologies + "/s2s.toml") +
                                    "\n[site_to_site]\nbfd_ms = 300\nhold_time = 9\ncustomer_prepend = [2, 0]\ncustomer_multipath = true\naws_limits = false\n",
                                "t.toml", "/work");
  EXPECT_EQ(t.s2s->bfd_interval_ms, 300u);
  EXPECT_EQ(t.s2s->bgp_hold_time, 9);
  EXPECT_EQ(t.s2s->bgp_keepalive, 3);
  EXPECT_EQ(t.s2s->customer_prepend[0], 2);
  EXPECT_TRUE(t.s2s->customer_multipath);
  EXPECT_FALSE(t.s2s->aws_limits);
}

TEST(Topology, BareLabsWireTheirOwnNodes) {
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kTopologies + "/bare")) {
    SCOPED_TRACE(e.path().string());
    const auto t = load_topology(e.path().string(), "/work");
    EXPECT_FALSE(t.s2s || t.client_vpn);
    EXPECT_FALSE(t.wiring.nodes.empty());
    EXPECT_FALSE(t.wiring.veths.empty());
    ++files;
  }
  EXPECT_GE(files, 4u);
  const auto pair = load_topology(kTopologies + "/bare/outside-pair.toml", "/work");
  ASSERT_EQ(pair.wiring.nodes.size(), 2u);
  EXPECT_EQ(pair.wiring.nodes[1].name, "cgw");  // free: the lab places no customer gateway here
  EXPECT_EQ(pair.wiring.nodes[1].loopback[0].to_string(), "10.20.0.1/32");
  EXPECT_EQ(pair.wiring.veths[0].b.address->to_string(), "198.51.100.2/24");
}

// A small valid lab that each case below breaks in one place.
const std::string kSmall = R"(
[onprem]
cidr = "10.0.0.0/16"
[[vpc]]
id = "vpc-1"
cidr = "10.1.0.0/16"
subnets = ["10.1.0.0/24"]
[hosts]
onprem = "10.0.0.10"
vpc = "10.1.0.10"
[[customer_gateway]]
id = "cgw-1"
ip_address = "198.51.100.2"
[[vpn_gateway]]
id = "vgw-1"
[[vpn_connection]]
id = "vpn-1"
customer_gateway = "cgw-1"
vpn_gateway = "vgw-1"
[client_vpn]
client_cidr = "172.16.0.0/22"
[[client_vpn.target_network]]
subnet = "10.1.0.0/24"
[[client_vpn.client]]
name = "alice"
)";

std::string replaced(const std::string& from, const std::string& to) {
  std::string s = kSmall;
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(Topology, SmallLabReads) {
  const auto t = parse(kSmall);
  ASSERT_TRUE(t.s2s && t.client_vpn);
  EXPECT_EQ(t.name, "lab");
  EXPECT_FALSE(t.s2s->bfd_interval_ms);
  EXPECT_FALSE(t.s2s->customer_multipath);
  EXPECT_TRUE(t.s2s->aws_limits) << "AWS's per-tunnel limits are on in a lab unless it says otherwise";
}

struct Refusal {
  std::string from, to, message;
};

// `base` with one change must be refused with `c.message` in the error.
void expect_refused(const std::string& base, const Refusal& c) {
  SCOPED_TRACE(c.to);
  std::string text = base;
  const size_t at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  text.replace(at, c.from.size(), c.to);
  try {
    parse(text);
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
  }
}

TEST(Topology, WiringMistakesAreRefusedWithTheKey) {
  const std::string base = R"(
[[node]]
name = "a"
[[node]]
name = "b"
[[bridge]]
node = "b"
name = "br0"
[[link]]
a = { node = "a", device = "eth0", address = "10.0.0.1/24" }
b = { node = "b", device = "p0", bridge = "br0" }
[[route]]
node = "a"
prefix = "0.0.0.0/0"
via = "10.0.0.2"
)";
  EXPECT_NO_THROW(parse(base));
  const Refusal cases[] = {
      {"node = \"b\", device = \"p0\"", "node = \"c\", device = \"p0\"", "key 'link[0]' = \"c\": a node of the lab"},
      {"device = \"p0\"", "device = \"br0\"", "a device name not used twice in node b"},
      {"bridge = \"br0\" }", "bridge = \"br9\" }", "a [[bridge]] in node b"},
      {"address = \"10.0.0.1/24\"", "address = \"10.0.0.1\"", "an IPv4 address with its prefix length"},
      {"device = \"eth0\"", "device = \"a-name-much-too-long\"", "1 to 15 characters"},
      {"node = \"a\"\nprefix", "node = \"z\"\nprefix", "key 'route[0]' = \"z\": a node of the lab"},
      {"name = \"b\"\n[[bridge]]", "name = \"a\"\n[[bridge]]", "node names must be unique"},
  };
  for (const auto& c : cases) expect_refused(base, c);
  // A lab that places its own customer gateway keeps the name.
  const std::string with_vpn = read(kTopologies + "/s2s.toml") + "\n[[node]]\nname = \"cgw\"\n";
  EXPECT_THROW(parse(with_vpn), ConfigError);
}

TEST(Topology, MistakesAreRefusedWithTheKey) {
  const Refusal cases[] = {
      {"vpc = \"10.1.0.10\"", "vpc = \"10.1.0.2\"", "key 'hosts.vpc' = \"10.1.0.2\": AWS reserves the first four"},
      {"vpc = \"10.1.0.10\"", "vpc = \"10.9.0.10\"", "must lie in the on-prem lan or a VPC subnet"},
      {"vpc = \"10.1.0.10\"", "cgw = \"10.1.0.10\"", "taken by the lab"},
      {"vpc = \"10.1.0.10\"", "Vpc = \"10.1.0.10\"", "a node name"},
      {"vpc = \"10.1.0.10\"", "vpc = \"10.0.0.10\"", "another host has this address"},
      {"onprem = \"10.0.0.10\"", "onprem = \"10.0.0.1\"", "the customer gateway"},
      {"cidr = \"10.1.0.0/16\"", "cidr = \"10.0.0.0/16\"", "overlaps the on-prem cidr"},
      {"cidr = \"10.1.0.0/16\"", "cidr = \"10.16.0.0/12\"", "AWS allows /16 to /28"},
      {"subnets = [\"10.1.0.0/24\"]", "subnets = [\"10.2.0.0/24\"]", "must lie inside the VPC's cidr"},
      {"subnets = [\"10.1.0.0/24\"]", "subnets = []", "at least one subnet"},
      {"ip_address = \"198.51.100.2\"", "ip_address = \"198.51.100.11\"", "198.51.100.2 to .10"},
      {"subnet = \"10.1.0.0/24\"", "subnet = \"10.1.1.0/24\"", "must be one of the [[vpc]] subnets"},
      {"client_cidr = \"172.16.0.0/22\"", "client_cidr = \"10.0.0.0/22\"", "must not overlap the on-prem cidr"},
      {"client_cidr = \"172.16.0.0/22\"", "client_cidr = \"172.16.0.0/24\"", "key 'client_vpn.client_cidr'"},
      {"name = \"alice\"", "name = \"onprem\"", "node names must be unique"},
      {"name = \"alice\"", "name = \"server\"", "taken by the lab's files"},
      {"[client_vpn]", "[client_vpn]\nlisten = \"1.2.3.4\"", "key 'client_vpn.listen': unknown key"},
      {"[onprem]", "[lab]\ncolour = \"red\"\n[onprem]", "key 'lab.colour': unknown key"},
      {"[onprem]", "[site_to_site]\nbfd_ms = 5\n[onprem]", "key 'site_to_site.bfd_ms' = 5: allowed range is 50-10000"},
      {"vpn_gateway = \"vgw-1\"", "vpn_gateway = \"vgw-2\"", "(Site-to-Site model)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    try {
      parse(replaced(c.from, c.to));
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("t.toml", 0), 0u) << e.what();
    }
  }
}

TEST(Topology, AVpnConnectionNeedsTheOnPremSite) {
  std::string no_onprem = replaced("[onprem]\ncidr = \"10.0.0.0/16\"", "");
  no_onprem.replace(no_onprem.find("onprem = \"10.0.0.10\"\n"), 21, "");
  try {
    parse(no_onprem);
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("needs the on-prem site"), std::string::npos) << e.what();
  }
}

TEST(Topology, ANeedsSomethingToBuild) {
  EXPECT_THROW(parse("[lab]\nname = \"empty\"\n"), ConfigError);
}

TEST(Topology, SeveralVpcsNeedATransitGateway) {
  const std::string two = replaced("[hosts]", "[[vpc]]\nid = \"vpc-2\"\ncidr = \"10.2.0.0/16\"\nsubnets = [\"10.2.0.0/24\"]\n[hosts]");
  EXPECT_THROW(parse(two), ConfigError);
}

// Every key the schema documents is one the parser reads, and every key it reads is documented.
// The files read together touch every table (the built-in labs and a lab with every option).
TEST(TopologySchema, DocumentsExactlyWhatTheParserReads) {
  const std::string every_option =
      "[lab]\nname = \"x\"\ndescription = \"y\"\n"
      "[site_to_site]\nbfd_ms = 300\nhold_time = 9\ncustomer_multipath = true\ncustomer_prepend = [0, 1]\naws_limits = true\n" +
      replaced("[client_vpn]",
               "[client_vpn]\nid = \"cvpn-endpoint-1\"\nregion = \"eu-west-1\"\ntransport = \"tcp\"\n"
               "port = 1194\nsplit_tunnel = true\nsession_timeout_hours = 8\ndata_ciphers = [\"AES-256-GCM\"]\n"
               "key_derivation = \"prf\"\ndns_servers = [\"10.1.0.2\"]\nmax_connections = 10") +
      "[[client_vpn.authorization_rule]]\ndestination = \"10.1.0.0/16\"\n"
      "[[client_vpn.route]]\ndestination = \"10.0.0.0/16\"\ntarget = \"10.1.0.0/24\"\n";
  const std::string with_eni = replaced("subnet = \"10.1.0.0/24\"\n", "subnet = \"10.1.0.0/24\"\neni_address = \"10.1.0.5\"\n");
  const std::string with_group = replaced("name = \"alice\"", "name = \"alice\"\ngroup = \"admins\"");
  KeyRecorder recorder;
  for (const auto& text : {every_option, with_eni, with_group, std::string("[onprem]\ncidr = \"10.0.0.0/16\"\nlan = \"10.0.1.0/24\"\n")}) {
    try {
      parse(text);
    } catch (const ConfigError& e) {
      if (text.starts_with("[onprem]")) continue;  // read [onprem] fully, then refused: nothing to build
      FAIL() << e.what();
    }
  }
  parse_topology(read(kTopologies + "/s2s-tgw.toml"), "t.toml", "/work");
  parse_topology("[onprem]\ncidr = \"10.0.0.0/16\"\n[[vpc]]\nid = \"v\"\ncidr = \"10.1.0.0/16\"\nsubnets = [\"10.1.0.0/24\"]\n"
                 "[[dx_lag]]\nid = \"dxlag-1\"\nconnections_bandwidth = \"1Gbps\"\n"
                 "[[dx_connection]]\nid = \"dxcon-a\"\nbandwidth = \"1Gbps\"\nlag = \"dxlag-1\"\n"
                 "[[dx_gateway]]\nid = \"dxgw-1\"\nvirtual_gateways = [\"vgw-1\"]\n"
                 "[[dx_vif]]\nid = \"dxvif-a\"\nconnection = \"dxlag-1\"\nvlan = 5\ndirect_connect_gateway = \"dxgw-1\"\n"
                 "[direct_connect]\ncustomer_router = \"bird\"\ncustomer_bfd = true\nbfd_ms = 300\ncustomer_local_pref = 200\n"
                 "customer_preferred_vif = \"dxvif-a\"\ncustomer_communities = { \"dxvif-a\" = [\"7224:7300\"] }\ncustomer_prepend = { \"dxvif-a\" = 1 }\n",
                 "t.toml", "/work");
  parse_topology("[[node]]\nname = \"a\"\nforward = true\nloopback = [\"10.9.0.1/32\"]\n[[node]]\nname = \"b\"\n"
                 "[[bridge]]\nnode = \"a\"\nname = \"br0\"\naddresses = [\"10.8.0.1/24\"]\n"
                 "[[link]]\na = { node = \"a\", device = \"x\", address = \"10.0.0.1/24\", bridge = \"br0\" }\n"
                 "b = { node = \"b\", device = \"y\", address = \"10.0.0.2/24\", bridge = \"\" }\n"
                 "[[route]]\nnode = \"b\"\nprefix = \"0.0.0.0/0\"\nvia = \"10.0.0.1\"\n",
                 "t.toml", "/work");
  test::expect_documents_exactly(topology_schema(), recorder, "t.toml");
}

}  // namespace
}  // namespace vpngw::lab
