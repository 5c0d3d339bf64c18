// The reference pages cannot drift: each config schema documents exactly the keys its parser reads
// (recorded while parsing files that contain every table), and docs/reference/NAME.md is exactly
// what `vpngw reference NAME` prints.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "clientvpn/endpoint_config.hpp"
#include "common/config/config_schema.hpp"
#include "dx/dx_config.hpp"
#include "gateway/gateway_config.hpp"
#include "nat/nat_config.hpp"
#include "router/router_config.hpp"
#include "s2s/vpn_config.hpp"
#include "lab/topology.hpp"
#include "tests/common/config/schema_expect.hpp"

namespace vpngw {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kExamples = VPNGW_SOURCE_DIR "/examples/";

// A gateway with every table: IKE tunnel, manual tunnel, route, BGP with a neighbour, management.
const std::string kGatewayEverything = R"(
[gateway]
name = "gw"
[outside]
address = "198.51.100.1"
[tun]
address = "169.254.10.1/30"
[[tunnel]]
name = "ike"
peer = "198.51.100.2"
[tunnel.ike]
pre_shared_key = "lab_key_12345"
[[tunnel]]
name = "manual"
peer = "198.51.100.3"
[tunnel.outbound]
spi = 4096
cipher = "aes128gcm16"
key = "00112233445566778899aabbccddeeff01020304"
[tunnel.inbound]
spi = 4097
cipher = "aes128gcm16"
key = "00112233445566778899aabbccddeeff01020304"
[tunnel.limits]
bandwidth_mbps = 1250
packets_per_second = 140000
[[route]]
prefix = "10.9.0.0/16"
tunnel = "manual"
[bgp]
asn = 64512
[[bgp.neighbor]]
address = "169.254.10.2"
remote_asn = 65000
tunnel = "ike"
[management]
socket = "/run/x.sock"
)";

const std::string kModelEverything = R"(
[[customer_gateway]]
id = "cgw-1"
ip_address = "198.51.100.2"
[[vpn_gateway]]
id = "vgw-1"
[[transit_gateway]]
id = "tgw-1"
[[vpn_connection]]
id = "vpn-1"
customer_gateway = "cgw-1"
vpn_gateway = "vgw-1"
static_routes_only = true
routes = ["10.0.0.0/16"]
[[vpn_connection.tunnel]]
dpd_timeout_seconds = 30
)";

struct Case {
  const ConfigSchema& schema;
  std::vector<std::string> inputs;
  std::function<void(const std::string&)> parse;
};

void expect_schema_matches_parser(const Case& c) {
  KeyRecorder recorder;
  for (const auto& text : c.inputs) {
    try {
      c.parse(text);
    } catch (const ConfigError& e) {
      FAIL() << c.schema.name << ": a schema test input does not parse: " << e.what();
    }
  }
  test::expect_documents_exactly(c.schema, recorder, "s.toml");
}

TEST(ConfigSchema, GatewayDocumentsWhatItsParserReads) {
  expect_schema_matches_parser({gateway_schema(),
                                {kGatewayEverything, read(kExamples + "left.toml")},
                                [](const std::string& t) { parse_gateway_config(t, "s.toml"); }});
}

TEST(ConfigSchema, SiteToSiteModelDocumentsWhatItsParserReads) {
  expect_schema_matches_parser({s2s::model_schema(),
                                {kModelEverything},
                                [](const std::string& t) { s2s::parse_site_to_site(t, "s.toml"); }});
}

TEST(ConfigSchema, ClientVpnEndpointDocumentsWhatItsParserReads) {
  expect_schema_matches_parser({clientvpn_endpoint_schema(),
                                {read(kExamples + "clientvpn.toml")},
                                [](const std::string& t) { parse_clientvpn_config(t, "s.toml"); }});
}

TEST(ConfigSchema, NatDocumentsWhatItsParserReads) {
  expect_schema_matches_parser({nat_schema(),
                                {read(kExamples + "nat.toml")},
                                [](const std::string& t) { parse_nat_config(t, "s.toml"); }});
}

TEST(ConfigSchema, RouterDocumentsWhatItsParserReads) {
  expect_schema_matches_parser({router_schema(),
                                {read(kExamples + "router.toml")},
                                [](const std::string& t) { parse_router_config(t, "s.toml"); }});
}

TEST(ConfigSchema, DirectConnectModelDocumentsWhatItsParserReads) {
  expect_schema_matches_parser({dx::dx_model_schema(),
                                {read(kExamples + "dx.toml")},
                                [](const std::string& t) { dx::parse_direct_connect(t, "s.toml"); }});
}

TEST(ConfigSchema, ReferencePagesAreCurrent) {
  for (const ConfigSchema* s : {&gateway_schema(), &s2s::model_schema(), &clientvpn_endpoint_schema(), &nat_schema(),
                                &lab::topology_schema(), &router_schema(), &dx::dx_model_schema()}) {
    const std::string path = std::string(VPNGW_SOURCE_DIR "/docs/reference/") + std::string(s->name) + ".md";
    EXPECT_EQ(read(path), reference_markdown(*s))
        << path << " is stale; regenerate: ./build/vpngw reference " << s->name << " > " << path;
  }
}

TEST(ConfigSchema, PageHasATableSectionPerTable) {
  const std::string page = reference_markdown(gateway_schema());
  for (const char* heading : {"## `[gateway]`", "## `[[tunnel]]`", "## `[tunnel.ike]`", "## `[tunnel.inbound]`",
                              "## `[[bgp.neighbor]]`", "## Stats"})
    EXPECT_NE(page.find(heading), std::string::npos) << heading;
}

}  // namespace
}  // namespace vpngw
