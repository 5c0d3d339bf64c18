// `vpngw nat` config: the shipped example loads; each mistake names the key, value and rule.
#include <gtest/gtest.h>

#include "nat/nat_config.hpp"

namespace vpngw {
namespace {

const std::string kValid = R"toml(
[nat]
name = "cvpn"
client_cidr = "172.16.0.0/22"
inside_address = "172.16.0.1"
udp_timeout = 300
[[eni]]
device = "eni0"
address = "10.0.1.10/24"
gateway = "10.0.1.1"
)toml";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(NatConfig, ValidAndShippedExampleLoad) {
  auto c = parse_nat_config(kValid, "nat.toml");
  ASSERT_EQ(c.enis.size(), 1u);
  EXPECT_EQ(c.enis[0].prefix_len, 24);
  EXPECT_EQ(c.enis[0].mac, (nat::Mac{0x02, 0x00, 10, 0, 1, 10}));
  EXPECT_EQ(c.timeouts.tcp_established, 7440u);
  EXPECT_EQ(load_nat_config(std::string(VPNGW_SOURCE_DIR) + "/examples/nat.toml").enis.size(), 1u);
}

TEST(NatConfig, MistakesNameKeyValueAndRule) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> rows = {
      {replace(kValid, "udp_timeout = 300", "udp_timeout = 60"), {"nat.udp_timeout", "60", "120", "RFC 4787"}},
      {replace(kValid, "inside_address = \"172.16.0.1\"", "inside_address = \"10.9.9.9\""), {"nat.inside_address", "inside client_cidr"}},
      {replace(kValid, "10.0.1.10/24", "10.0.1.10"), {"eni[0].address", "subnet length"}},
      {replace(kValid, "gateway = \"10.0.1.1\"", "mac = \"01:00:5e:00:00:01\""), {"eni[0].mac", "unicast"}},
      {replace(kValid, "device = \"eni0\"", "devise = \"eni0\""), {"eni[0]", "device"}},
      {replace(kValid, "[[eni]]\ndevice = \"eni0\"\naddress = \"10.0.1.10/24\"\ngateway = \"10.0.1.1\"\n", ""), {"eni", "at least one"}},
      // What would cut the clients off or fight the kernel (the conformance issue, item 11):
      {replace(kValid, "device = \"eni0\"", "device = \"cvpn0\""), {"eni[0].device", "other than the TUN"}},
      {replace(kValid, "10.0.1.10/24", "172.16.1.10/24"), {"eni[0].address", "does not overlap client_cidr"}},
      {replace(kValid, "10.0.1.10/24", "172.0.0.10/8"), {"eni[0].address", "does not overlap client_cidr"}},
      {replace(kValid, "gateway = \"10.0.1.1\"", "gateway = \"10.0.2.1\""), {"eni[0].gateway", "another address in 10.0.1.0/24"}},
      {replace(kValid, "gateway = \"10.0.1.1\"", "gateway = \"10.0.1.10\""), {"eni[0].gateway", "another address"}},
      {replace(kValid, "gateway = \"10.0.1.1\"", "mac = \"00:00:00:00:00:00\""), {"eni[0].mac", "not all zeros"}},
      {kValid + "[[eni]]\ndevice = \"eni1\"\naddress = \"10.0.1.10/24\"\n", {"eni[1].address", "its own address"}},
      {replace(kValid, "inside_address = \"172.16.0.1\"", "inside_address = \"172.16.0.0\""), {"nat.inside_address", "not its network"}},
      {replace(kValid, "inside_address = \"172.16.0.1\"", "inside_address = \"172.16.3.255\""), {"nat.inside_address", "broadcast"}},
  };
  for (const auto& [text, parts] : rows) {
    try {
      parse_nat_config(text, "nat.toml");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace vpngw
