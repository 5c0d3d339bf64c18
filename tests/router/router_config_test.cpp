// The plain router's config: BGP with no tunnels, its one set of defaults, and refusals that name
// the key.
#include <gtest/gtest.h>

#include "common/config/config_error.hpp"
#include "router/router_config.hpp"

namespace vpngw {
namespace {

constexpr const char* kMinimal = R"(
[bgp]
asn = 65001
router_id = "10.255.0.1"
[[bgp.neighbor]]
address = "192.0.2.2"
remote_asn = 65002
)";

TEST(RouterConfig, MinimalFileTakesBgpDefaultsFromBgpConfig) {
  const RouterConfig c = parse_router_config(kMinimal, "r.toml");
  const BgpConfig defaults;
  EXPECT_EQ(c.name, "router");
  EXPECT_EQ(c.bgp.asn, 65001u);
  EXPECT_EQ(c.bgp.hold_time, defaults.hold_time);
  EXPECT_EQ(c.bgp.keepalive, defaults.keepalive);
  EXPECT_EQ(c.bgp.connect_retry, defaults.connect_retry);
  EXPECT_TRUE(c.bgp.kernel_routes);
  ASSERT_EQ(c.bgp.neighbors.size(), 1u);
  EXPECT_TRUE(c.bgp.neighbors[0].tunnel.empty());
  EXPECT_EQ(c.bgp.neighbors[0].name, "192.0.2.2");
  EXPECT_EQ(c.bgp.neighbors[0].max_prefixes, BgpNeighborConfig{}.max_prefixes);
}

TEST(RouterConfig, ExampleFileLoads) {
  const RouterConfig c = load_router_config(std::string(VPNGW_SOURCE_DIR) + "/examples/router.toml");
  EXPECT_EQ(c.name, "r1");
  ASSERT_EQ(c.bgp.neighbors.size(), 1u);
  EXPECT_TRUE(c.bgp.neighbors[0].bfd);
  EXPECT_EQ(c.management_socket, "/run/vpngw/r1.sock");
}

void expect_refused(const std::string& text, const std::string& key) {
  try {
    parse_router_config(text, "r.toml");
    ADD_FAILURE() << "accepted; wanted a refusal naming " << key;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("r.toml"), std::string::npos) << e.what();
  }
}

TEST(RouterConfig, RefusalsNameTheKey) {
  expect_refused("[router]\nname = \"r\"\n", "bgp");
  expect_refused("[bgp]\nasn = 65001\n", "bgp.router_id");
  expect_refused(std::string(kMinimal) + "tunnel = \"t1\"\n", "bgp.neighbor[0].tunnel");
  expect_refused("[bgp]\nasn = 23456\nrouter_id = \"10.0.0.1\"\n", "bgp.asn");
  expect_refused("[bgp]\nasn = 65001\nrouter_id = \"10.0.0.1\"\nmultipath = true\n", "bgp.multipath");
  expect_refused("[bgp]\nasn = 65001\nrouter_id = \"10.0.0.1\"\nhold_time = 2\n", "bgp.hold_time");
  expect_refused(std::string(kMinimal) + "colour = \"red\"\n", "bgp.neighbor[0].colour");
  expect_refused(std::string(kMinimal) + "[router]\nname = \"a/b\"\n", "router.name");
  expect_refused(std::string(kMinimal) + "communities = [\"7224:73000\"]\n", "bgp.neighbor[0].communities");
  expect_refused(std::string(kMinimal) + "communities = [\"7224\"]\n", "bgp.neighbor[0].communities");
  expect_refused(std::string(kMinimal) + "ttl = 0\n", "bgp.neighbor[0].ttl");
}

// A Direct Connect customer's steering tools and AWS's own settings on a VIF session.
TEST(RouterConfig, CommunitiesTtlAndPassiveBfd) {
  const RouterConfig c = parse_router_config(R"(
[bgp]
asn = 64512
router_id = "10.255.0.1"
bfd_passive = true
[[bgp.neighbor]]
address = "169.254.10.2"
remote_asn = 65000
communities = ["7224:7300", "65535:65281"]
ttl = 1
)",
                                             "r.toml");
  EXPECT_TRUE(c.bgp.bfd_passive);
  ASSERT_EQ(c.bgp.neighbors.size(), 1u);
  EXPECT_EQ(c.bgp.neighbors[0].communities, (std::vector<uint32_t>{7224u << 16 | 7300, 0xffffff01u}));
  EXPECT_EQ(c.bgp.neighbors[0].ttl, std::optional<uint8_t>(1));
  EXPECT_FALSE(parse_router_config(kMinimal, "r.toml").bgp.neighbors[0].ttl);
}

}  // namespace
}  // namespace vpngw
