// Config loading: a valid file, and one row per mistake with the words the error must contain
// (file, key, value, what is allowed).
#include <gtest/gtest.h>

#include <fstream>

#include "control/gateway_config.hpp"

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
  EXPECT_EQ(c.tun_prefix_len, 30);
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

TEST(GatewayConfig, MissingFileIsAClearError) {
  EXPECT_THROW(load_gateway_config("/nonexistent/vpngw.toml"), ConfigError);
}

}  // namespace
}  // namespace vpngw
