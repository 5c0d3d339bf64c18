// The Client VPN endpoint model: AWS's rules as config errors, and what a client gets from it
// (push options, access policy, addresses).
#include <gtest/gtest.h>

#include <string>

#include "clientvpn/client_policy.hpp"
#include "clientvpn/endpoint_config.hpp"
#include "clientvpn/pki.hpp"

namespace vpngw {
namespace {

const std::string kBase = R"(
[endpoint]
listen = "198.51.100.1"
client_cidr = "172.16.0.0/22"
vpc_cidr = "10.0.0.0/16"
split_tunnel = true
[tls]
ca = "pki/ca.crt"
cert = "pki/server.crt"
key = "pki/server.key"
[[target_network]]
subnet = "10.0.1.0/24"
eni_device = "eni0"
eni_address = "10.0.1.10"
[[authorization_rule]]
destination = "10.0.1.0/24"
[[authorization_rule]]
destination = "10.0.0.0/16"
group = "admins"
)";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kBase;
  const size_t at = s.find(from);
  if (at == std::string::npos) throw std::invalid_argument("test text not found: " + from);
  s.replace(at, from.size(), to);
  return s;
}

TEST(ClientVpnConfig, DefaultsAndTheVpcRoute) {
  auto cfg = parse_clientvpn_config(kBase, "t.toml", "/etc/cvpn");
  EXPECT_EQ(cfg.port, 443);
  EXPECT_EQ(cfg.transport, "udp");
  EXPECT_EQ(cfg.session_timeout_hours, 24u);
  EXPECT_EQ(cfg.tls.ca, "/etc/cvpn/pki/ca.crt");
  EXPECT_EQ(cfg.dns_name(), "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com");
  ASSERT_EQ(cfg.routes.size(), 1u);  // associating a subnet adds the VPC's route
  EXPECT_EQ(cfg.routes[0].destination.to_string(), "10.0.0.0/16");
  EXPECT_EQ(cfg.routes[0].target, "10.0.1.0/24");
  EXPECT_EQ(cfg.target_networks[0].gateway.to_string(), "10.0.1.1");
  const NatConfig nat = cfg.nat_config();
  EXPECT_EQ(nat.inside_address.to_string(), "172.16.0.1");
  ASSERT_EQ(nat.enis.size(), 1u);
  EXPECT_EQ(nat.enis[0].prefix_len, 24);
}

TEST(ClientVpnConfig, AwsRulesAreConfigErrorsNamingTheKey) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {with("172.16.0.0/22", "172.16.0.0/24"), "endpoint.client_cidr"},
      {with("172.16.0.0/22", "172.0.0.0/11"), "endpoint.client_cidr"},
      {with("172.16.0.0/22", "10.0.0.0/22"), "must not overlap vpc_cidr"},
      {with("listen = \"198.51.100.1\"", "listen = \"198.51.100.1\"\nport = 8443"), "443 (AWS's default) or 1194"},
      {with("split_tunnel = true", "session_timeout_hours = 6"), "8, 10, 12 or 24"},
      {with("split_tunnel = true", "transport = \"sctp\""), "endpoint.transport"},
      {with("subnet = \"10.0.1.0/24\"", "subnet = \"10.0.1.0/28\""), "at least a /27"},
      {with("subnet = \"10.0.1.0/24\"", "subnet = \"10.9.0.0/24\""), "inside vpc_cidr"},
      {with("eni_address = \"10.0.1.10\"", "eni_address = \"10.0.2.10\""), "inside subnet"},
      {with("split_tunnel = true", "data_ciphers = [\"BF-CBC\"]"), "AES-256-GCM, AES-128-GCM or CHACHA20-POLY1305"},
      {kBase + "[[route]]\ndestination = \"0.0.0.0/0\"\ntarget = \"10.9.0.0/24\"\n", "route[0].target"},
      {kBase + "[[route]]\ndestination = \"172.16.0.0/22\"\ntarget = \"10.0.1.0/24\"\n", "must not overlap client_cidr"},
      {kBase + "[[route]]\ndestination = \"10.5.0.0/16\"\ntarget = \"local\"\n", "a local route must be the client CIDR"},
      {with("split_tunnel = true", "split_tunel = true"), "unknown key"},
      {with("[tls]\n", "[tls]\ncrt = \"x\"\n"), "tls.crt"},
  };
  for (const auto& c : cases) {
    try {
      parse_clientvpn_config(c.text, "t.toml");
      ADD_FAILURE() << "accepted: " << c.expected;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
}

TEST(ClientVpnPolicy, PushOptionsFollowSplitTunnel) {
  auto cfg = parse_clientvpn_config(kBase + "[[route]]\ndestination = \"172.16.0.0/22\"\ntarget = \"local\"\n", "t.toml");
  const IpAddress client = *IpAddress::parse("172.16.0.9");
  EXPECT_EQ(push_options(cfg, client),
            "route-gateway 172.16.0.1,topology subnet,ping 10,ping-restart 60,route 10.0.0.0 255.255.0.0,"
            "ifconfig 172.16.0.9 255.255.252.0");
  cfg.split_tunnel = false;
  cfg.dns_servers = {*IpAddress::parse("10.0.0.2")};
  EXPECT_EQ(push_options(cfg, client),
            "route-gateway 172.16.0.1,topology subnet,ping 10,ping-restart 60,redirect-gateway def1,"
            "dhcp-option DNS 10.0.0.2,ifconfig 172.16.0.9 255.255.252.0");
}

TEST(ClientVpnPolicy, AccessByGroupAndRoute) {
  const auto cfg = parse_clientvpn_config(kBase, "t.toml");
  const AccessPolicy everyone = compile_access(cfg, "");
  const AccessPolicy admin = compile_access(cfg, "admins");
  EXPECT_TRUE(everyone.allows(0x0a000114));   // 10.0.1.20: the /24 rule for all
  EXPECT_FALSE(everyone.allows(0x0a000214));  // 10.0.2.20: only the admins' /16
  EXPECT_TRUE(admin.allows(0x0a000214));
  EXPECT_FALSE(admin.allows(0x08080808));     // no route to the internet
}

TEST(ClientVpnPolicy, AddressPoolHandsOutLowestFreeAndRespectsTheLimit) {
  AddressPool pool(*IpPrefix::parse("172.16.0.0/22"));
  EXPECT_EQ(pool.capacity(), 1021u);  // 1024 minus network, endpoint and broadcast
  EXPECT_EQ(pool.allocate()->to_string(), "172.16.0.2");
  EXPECT_EQ(pool.allocate()->to_string(), "172.16.0.3");
  pool.release(*IpAddress::parse("172.16.0.2"));
  EXPECT_EQ(pool.allocate()->to_string(), "172.16.0.2");
  AddressPool small(*IpPrefix::parse("172.16.0.0/22"), 2);
  EXPECT_TRUE(small.allocate());
  EXPECT_TRUE(small.allocate());
  EXPECT_FALSE(small.allocate());
}

TEST(ClientVpnPki, ExportedProfileLooksLikeAwsDownload) {
  const auto cfg = parse_clientvpn_config(kBase, "t.toml");
  const std::string ovpn = pki::client_config(cfg, "CA\n", "CERT\n", "KEY\n");
  EXPECT_EQ(ovpn,
            "client\ndev tun\nproto udp\n"
            "remote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com 443\n"
            "remote-random-hostname\nresolv-retry infinite\nnobind\nremote-cert-tls server\ncipher AES-256-GCM\n"
            "verb 3\n<ca>\nCA\n</ca>\n<cert>\nCERT\n</cert>\n<key>\nKEY\n</key>\n\nreneg-sec 0\n");
}

}  // namespace
}  // namespace vpngw

namespace vpngw {
namespace {

TEST(ClientVpnConfig, ShippedExampleIsValid) {
  const auto cfg = load_clientvpn_config(std::string(VPNGW_SOURCE_DIR) + "/examples/clientvpn.toml");
  EXPECT_EQ(cfg.target_networks.size(), 2u);
  EXPECT_EQ(cfg.tls.ca, std::string(VPNGW_SOURCE_DIR) + "/examples/pki/ca.crt");
}

}  // namespace
}  // namespace vpngw
