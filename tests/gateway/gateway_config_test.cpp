// Config loading: a valid file, and one row per mistake with the words the error must contain
// (file, key, value, what is allowed).
#include <gtest/gtest.h>

#include <fstream>

#include "gateway/gateway_config.hpp"

namespace vpngw {
namespace {

const std::string kValid = R"toml(
[gateway]
name = "left"
[outside]
address = "198.51.100.1"
[tun]
name = "vpngw0"
mtu = 1400
address = "169.254.100.1/30"
[[tunnel]]
name = "to-right"
peer = "198.51.100.2"
replay_window = 2048
[tunnel.outbound]
spi = "0x0000a001"
cipher = "rfc4106(gcm(aes))"
key = "0x00112233445566778899aabbccddeeff01020304"
[tunnel.inbound]
spi = 45057
cipher = "chacha20poly1305"
key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3"
[[route]]
prefix = "10.2.0.0/24"
tunnel = "to-right"
)toml";

TEST(GatewayConfig, ValidFileLoads) {
  auto c = parse_gateway_config(kValid, "left.toml");
  EXPECT_EQ(c.name, "left");
  EXPECT_EQ(c.outside_address.to_string(), "198.51.100.1");
  EXPECT_EQ(c.outside_port, 4500);
  ASSERT_EQ(c.tun_addresses.size(), 1u);
  EXPECT_EQ(c.tun_addresses[0].address.to_string(), "169.254.100.1");
  EXPECT_EQ(c.tun_addresses[0].prefix_len, 30);
  ASSERT_EQ(c.tunnels.size(), 1u);
  EXPECT_EQ(c.tunnels[0].outbound.spi, 0xa001u);
  EXPECT_EQ(c.tunnels[0].outbound.cipher, Cipher::aes_gcm_128);
  EXPECT_EQ(c.tunnels[0].inbound.spi, 45057u);
  EXPECT_EQ(c.tunnels[0].inbound.cipher, Cipher::chacha20_poly1305);
  EXPECT_EQ(c.tunnels[0].replay_window, 2048u);
  EXPECT_TRUE(c.tunnels[0].esn);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].prefix.to_string(), "10.2.0.0/24");
}

TEST(GatewayConfig, ShippedExampleLoads) {
  auto c = load_gateway_config(std::string(VPNGW_SOURCE_DIR) + "/examples/left.toml");
  EXPECT_EQ(c.tunnels.size(), 1u);
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(GatewayConfig, TunTakesOneInsideAddressPerTunnel) {
  auto c = parse_gateway_config(replace(kValid, "\"169.254.100.1/30\"", "[\"169.254.100.2/30\", \"169.254.200.6/30\"]"), "cgw.toml");
  ASSERT_EQ(c.tun_addresses.size(), 2u);
  EXPECT_EQ(c.tun_addresses[1].address.to_string(), "169.254.200.6");
  EXPECT_TRUE(c.tun_addresses[1].on_link(*IpAddress::parse("169.254.200.5")));
  EXPECT_FALSE(c.tun_addresses[1].on_link(*IpAddress::parse("169.254.100.1")));
}

// One bad config per row, and the words its error message must contain.
struct Row {
  const char* what;
  std::string text;
  std::vector<std::string> message_has;
};

void expect_errors(const std::vector<Row>& rows) {
  for (const auto& row : rows) {
    try {
      parse_gateway_config(row.text, "left.toml");
      ADD_FAILURE() << row.what << ": accepted";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      for (const auto& part : row.message_has) {
        EXPECT_NE(msg.find(part), std::string::npos) << row.what << ": '" << part << "' missing from: " << msg;
      }
    }
  }
}

TEST(GatewayConfig, MistakesNameKeyValueAndRule) {
  const std::vector<Row> rows = {
      {"replay window too big", replace(kValid, "replay_window = 2048", "replay_window = 4096"),
       {"left.toml", "tunnel[0].replay_window", "4096", "64-2048"}},
      {"replay window not a number", replace(kValid, "replay_window = 2048", "replay_window = \"big\""),
       {"tunnel[0].replay_window", "integer"}},
      {"short key", replace(kValid, "0x00112233445566778899aabbccddeeff01020304", "0x0011"),
       {"tunnel[0].outbound.key", "2 bytes", "20 bytes", "36 bytes"}},
      {"key with wrong length for chacha",
       replace(kValid, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3", "00112233"),
       {"tunnel[0].inbound.key", "4 bytes", "36 bytes"}},
      {"non-hex key", replace(kValid, "0x00112233445566778899aabbccddeeff01020304", "0x0011223344556677zz99aabbccddeeff01020304"),
       {"tunnel[0].outbound.key", "'z' is not a hex digit"}},
      {"unknown cipher", replace(kValid, "cipher = \"chacha20poly1305\"", "cipher = \"3des\""),
       {"tunnel[0].inbound.cipher", "3des", "aes128gcm16"}},
      {"reserved SPI", replace(kValid, "spi = 45057", "spi = 255"), {"tunnel[0].inbound.spi", "255", "256-4294967295"}},
      {"bad peer", replace(kValid, "peer = \"198.51.100.2\"", "peer = \"198.51.100.300\""),
       {"tunnel[0].peer", "198.51.100.300", "IPv4 or IPv6"}},
      {"peer of the other family", replace(kValid, "peer = \"198.51.100.2\"", "peer = \"2001:db8::2\""),
       {"tunnel[0].peer", "same IP family"}},
      {"route with host bits", replace(kValid, "prefix = \"10.2.0.0/24\"", "prefix = \"10.2.0.1/24\""),
       {"route[0].prefix", "10.2.0.1/24", "no host bits"}},
      {"route to an unknown tunnel", replace(kValid, "tunnel = \"to-right\"", "tunnel = \"nowhere\""),
       {"route[0].tunnel", "nowhere", "no [[tunnel]]"}},
      {"misspelt key", replace(kValid, "mtu = 1400", "mut = 1400"), {"tun.mut", "unknown key"}},
      {"inside address without length", replace(kValid, "169.254.100.1/30", "169.254.100.1"),
       {"tun.address", "169.254.100.1", "prefix length"}},
      {"inside address length 33", replace(kValid, "169.254.100.1/30", "169.254.100.1/33"), {"tun.address", "/33"}},
      {"inside address list with a number", replace(kValid, "\"169.254.100.1/30\"", "[\"169.254.100.1/30\", 7]"),
       {"tun.address", "7", "list of strings"}},
      {"empty inside address list", replace(kValid, "\"169.254.100.1/30\"", "[]"), {"tun.address", "non-empty list"}},
      {"mtu out of range", replace(kValid, "mtu = 1400", "mtu = 20000"), {"tun.mtu", "20000", "576-9000"}},
      {"missing outside", replace(kValid, "[outside]\naddress = \"198.51.100.1\"", ""), {"'outside'", "missing"}},
      {"missing inbound SA", replace(replace(replace(replace(kValid, "[tunnel.inbound]", ""), "spi = 45057", ""),
                                             "cipher = \"chacha20poly1305\"", ""),
                                     "key = \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3\"", ""),
       {"tunnel[0].inbound", "missing"}},
      {"TOML syntax error", replace(kValid, "mtu = 1400", "mtu = = 1400"), {"left.toml:8"}},
  };
  expect_errors(rows);
}

const std::string kBgp = kValid + R"toml(
[bgp]
asn = 64512
export = ["10.1.0.0/16"]
[[bgp.neighbor]]
name = "cgw"
address = "169.254.100.2"
remote_asn = 4200000001
tunnel = "to-right"
md5_password = "secret"
)toml";

TEST(GatewayConfig, BgpSectionLoadsWithAwsDefaults) {
  auto c = parse_gateway_config(kBgp, "left.toml");
  ASSERT_TRUE(c.bgp);
  EXPECT_EQ(c.bgp->asn, 64512u);
  EXPECT_EQ(c.bgp->hold_time, 30);
  EXPECT_EQ(c.bgp->keepalive, 10);
  ASSERT_EQ(c.bgp->neighbors.size(), 1u);
  EXPECT_EQ(c.bgp->neighbors[0].remote_asn, 4200000001u);
  EXPECT_EQ(c.bgp->neighbors[0].max_prefixes, 100u);
  EXPECT_EQ(c.bgp->export_prefixes.at(0).to_string(), "10.1.0.0/16");
}

// A neighbour on a plain interface (Direct Connect, a router beside the gateway) names no tunnel.
TEST(GatewayConfig, BgpNeighbourWithoutTunnelIsAccepted) {
  auto c = parse_gateway_config(replace(kBgp, "tunnel = \"to-right\"\nmd5", "md5"), "left.toml");
  ASSERT_TRUE(c.bgp);
  ASSERT_EQ(c.bgp->neighbors.size(), 1u);
  EXPECT_TRUE(c.bgp->neighbors[0].tunnel.empty());
}

TEST(GatewayConfig, BgpMistakesNameKeyValueAndRule) {
  const std::vector<Row> rows = {
      {"AS_TRANS as an ASN", replace(kBgp, "asn = 64512", "asn = 23456"), {"bgp.asn", "23456", "AS_TRANS"}},
      {"ASN out of range", replace(kBgp, "remote_asn = 4200000001", "remote_asn = 4294967295"),
       {"bgp.neighbor[0].remote_asn", "4294967295", "1-4294967294"}},
      {"hold time 2", replace(kBgp, "asn = 64512", "asn = 64512\nhold_time = 2"), {"bgp.hold_time", "0 (no keepalives) or 3-65535"}},
      {"neighbour on an unknown tunnel", replace(kBgp, "tunnel = \"to-right\"\nmd5", "tunnel = \"nowhere\"\nmd5"),
       {"bgp.neighbor[0].tunnel", "nowhere"}},
      {"export with host bits", replace(kBgp, "10.1.0.0/16", "10.1.0.1/16"), {"bgp.export", "10.1.0.1/16"}},
      {"misspelt neighbour key", replace(kBgp, "md5_password", "md5_pasword"), {"bgp.neighbor[0].md5_pasword", "unknown key"}},
      {"IPv6 router ID", replace(kBgp, "asn = 64512", "asn = 64512\nrouter_id = \"fd00::1\""), {"bgp.router_id", "IPv4"}},
  };
  expect_errors(rows);
}

const std::string kIke = R"toml(
[outside]
address = "198.51.100.1"
[[tunnel]]
name = "tunnel1"
peer = "198.51.100.2"
[tunnel.ike]
pre_shared_key = "Aws_Tunnel1.psk"
phase1_dh_group_numbers = [20, 14]
)toml";

TEST(GatewayConfig, IkeTunnelTakesAwsDefaults) {
  auto c = parse_gateway_config(kIke, "aws.toml");
  ASSERT_TRUE(c.tunnels.at(0).ike);
  const auto& o = *c.tunnels[0].ike;
  EXPECT_EQ(o.phase1_lifetime_seconds, 28800u);
  EXPECT_EQ(o.phase2_lifetime_seconds, 3600u);
  EXPECT_EQ(o.rekey_margin_time_seconds, 540u);
  EXPECT_EQ(o.rekey_fuzz_percentage, 100u);
  EXPECT_EQ(o.dpd_timeout_action, ike::DpdAction::clear);
  EXPECT_EQ(o.startup_action, ike::StartupAction::add);
  EXPECT_EQ(o.phase1_dh_groups, (std::vector<uint32_t>{20, 14}));
  EXPECT_EQ(c.ike_port, 500);
}

// Every AWS tunnel-option rule, with AWS's wording of it in the error.
TEST(GatewayConfig, IkeMistakesNameTheAwsRule) {
  auto with = [](const std::string& line) { return kIke + line + "\n"; };
  const std::vector<Row> rows = {
      {"short PSK", replace(kIke, "Aws_Tunnel1.psk", "short"), {"tunnel[0].ike.pre_shared_key", "8-64 characters"}},
      {"PSK starting with 0", replace(kIke, "Aws_Tunnel1.psk", "0Aws_Tunnel1"), {"starts with '0'"}},
      {"PSK with a dash", replace(kIke, "Aws_Tunnel1.psk", "Aws-Tunnel1"), {"contains '-'", "letters, digits, '.' and '_'"}},
      {"missing PSK", replace(kIke, "pre_shared_key = \"Aws_Tunnel1.psk\"", ""), {"pre_shared_key", "missing"}},
      {"3DES", with("phase1_encryption_algorithms = [\"3DES\"]"), {"phase1_encryption_algorithms", "3DES", "AES128, AES256"}},
      {"MD5", with("phase2_integrity_algorithms = [\"MD5\"]"), {"phase2_integrity_algorithms", "SHA1, SHA2-256"}},
      {"empty list", with("phase1_integrity_algorithms = []"), {"phase1_integrity_algorithms", "at least one"}},
      {"DH group 2", replace(kIke, "[20, 14]", "[2]"), {"phase1_dh_group_numbers", "AWS allows 2, 14-24", "not implemented"}},
      {"DH group 5 in phase 1", replace(kIke, "[20, 14]", "[5]"), {"AWS allows 2, 14-24"}},
      {"DH group 99", with("phase2_dh_group_numbers = [99]"), {"phase2_dh_group_numbers", "99", "2, 5, 14-24"}},
      {"phase 1 lifetime", with("phase1_lifetime_seconds = 600"), {"phase1_lifetime_seconds = 600", "900-28800"}},
      {"phase 2 lifetime", with("phase2_lifetime_seconds = 7200"), {"phase2_lifetime_seconds = 7200", "900-3600"}},
      {"phase 2 not below phase 1", with("phase1_lifetime_seconds = 900\nphase2_lifetime_seconds = 900"), {"less than phase1"}},
      {"rekey margin too big", with("rekey_margin_time_seconds = 1900"), {"rekey_margin_time_seconds = 1900", "half of phase2"}},
      {"rekey margin too small", with("rekey_margin_time_seconds = 30"), {"60 up to half"}},
      {"fuzz over 100", with("rekey_fuzz_percentage = 101"), {"rekey_fuzz_percentage = 101", "0-100"}},
      {"DPD timeout", with("dpd_timeout_seconds = 10"), {"dpd_timeout_seconds = 10", "30 or more"}},
      {"DPD action", with("dpd_timeout_action = \"reboot\""), {"dpd_timeout_action", "clear, none, restart"}},
      {"startup action", with("startup_action = \"now\""), {"startup_action", "add, start"}},
      {"manual SA beside IKE", kIke + "[tunnel.inbound]\nspi = 300\n", {"tunnel[0].inbound", "no manual SAs"}},
      {"misspelt IKE key", with("dpd_timeout = 30"), {"tunnel[0].ike.dpd_timeout", "unknown key"}},
  };
  expect_errors(rows);
}

TEST(GatewayConfig, MissingFileIsAClearError) {
  EXPECT_THROW(load_gateway_config("/nonexistent/vpngw.toml"), ConfigError);
}

}  // namespace
}  // namespace vpngw
