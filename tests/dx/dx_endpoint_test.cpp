// Both ends of a Direct Connect VIF from one model: AWS's (ports, TAPs, BGP neighbours with AWS's
// settings) and the customer's (vpngw router file, BIRD config), and the resolved model written
// back so both ends read the same peer addresses and keys.
#include <gtest/gtest.h>

#include "common/config/config_error.hpp"
#include "dx/customer_render.hpp"
#include "dx/dx_config_toml.hpp"
#include "dx/dx_endpoint.hpp"
#include "router/router_config.hpp"

namespace vpngw::dx {
namespace {

const std::string kModel = R"toml(
[[dx_connection]]
id = "dxcon-a"
bandwidth = "1Gbps"
[[dx_connection]]
id = "dxcon-h"
type = "hosted"
bandwidth = "50Mbps"
[[dx_gateway]]
id = "dxgw-1"
amazon_side_asn = 64513
virtual_gateways = ["vgw-1"]
[[dx_gateway]]
id = "dxgw-2"
amazon_side_asn = 64600
virtual_gateways = ["vgw-2"]
[[dx_vif]]
id = "dxvif-a"
connection = "dxcon-a"
vlan = 101
asn = 65000
direct_connect_gateway = "dxgw-1"
[[dx_vif]]
id = "dxvif-h"
connection = "dxcon-h"
vlan = 7
asn = 65000
mtu = 9001
direct_connect_gateway = "dxgw-1"
[[dx_vif]]
id = "dxvif-other"
connection = "dxcon-a"
vlan = 102
direct_connect_gateway = "dxgw-2"
)toml";

DxEndpointConfig endpoint(std::vector<EndpointLink> links) {
  DxEndpointConfig c;
  c.model = parse_direct_connect(kModel, "dx.toml");
  c.links = std::move(links);
  c.export_prefixes = {*IpPrefix::parse("10.1.0.0/16")};
  return c;
}

TEST(DxEndpoint, AwsSettingsOnEveryVifSession) {
  auto cfg = endpoint({{"dxcon-h", "dx1"}});
  const auto plan = plan_endpoint(cfg);
  EXPECT_EQ(plan.amazon_asn, 64513u);
  EXPECT_EQ(plan.bgp.asn, 64513u);
  EXPECT_FALSE(plan.bgp.kernel_routes) << "the VGW router decides";
  EXPECT_TRUE(plan.bgp.bfd_passive);
  ASSERT_EQ(plan.bgp.neighbors.size(), 1u);
  const auto& n = plan.bgp.neighbors[0];
  const auto& v = cfg.model.vifs[1];
  EXPECT_EQ(n.name, "dxvif-h");
  EXPECT_EQ(n.address, v.peering.customer_address.address);
  EXPECT_EQ(n.local_address, v.peering.amazon_address.address);
  EXPECT_EQ(n.md5_password, v.auth_key);
  EXPECT_FALSE(n.md5_password.empty()) << "MD5 always on";
  EXPECT_EQ(n.ttl, std::optional<uint8_t>(1));
  EXPECT_EQ(n.hold_time, std::optional<uint16_t>(90));
  EXPECT_EQ(n.keepalive, std::optional<uint16_t>(30));
  EXPECT_EQ(n.max_prefixes, 100u);
  EXPECT_TRUE(n.bfd);
  ASSERT_EQ(plan.ports.size(), 1u);
  EXPECT_EQ(plan.ports[0].police_bits_per_second, 50'000'000u) << "a hosted connection is policed at its speed";
  ASSERT_EQ(plan.ports[0].vifs.size(), 1u);
  EXPECT_EQ(plan.ports[0].vifs[0].vlan, 7);
  EXPECT_EQ(plan.ports[0].vifs[0].mtu, 9001u);
  EXPECT_EQ(plan.ports[0].vifs[0].address, v.peering.amazon_address);
}

TEST(DxEndpoint, RefusesWhatOneEndpointCannotServe) {
  EXPECT_THROW(plan_endpoint(endpoint({{"dxcon-a", "dx0"}})), ConfigError) << "two AWS-side ASNs on one link's VIFs";
  EXPECT_THROW(plan_endpoint(endpoint({{"dxcon-zz", "dx0"}})), ConfigError) << "unknown connection";
  EXPECT_THROW(plan_endpoint(endpoint({})), ConfigError) << "no VIF on any link";
  EXPECT_THROW(plan_endpoint(endpoint({{"dxcon-h", "dx0"}, {"dxcon-a", "dx0"}})), ConfigError) << "one device twice";
  try {
    plan_endpoint(endpoint({{"dxcon-a", "dx0"}}));
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dxvif-other"), std::string::npos) << e.what();
  }
}

TEST(DxEndpoint, ResolvedModelReadsBackTheSame) {
  const auto model = parse_direct_connect(kModel, "dx.toml");
  const auto again = parse_direct_connect(to_toml(model), "resolved.toml");
  ASSERT_EQ(again.vifs.size(), model.vifs.size());
  for (size_t i = 0; i < model.vifs.size(); ++i) {
    EXPECT_EQ(again.vifs[i].peering.amazon_address, model.vifs[i].peering.amazon_address);
    EXPECT_EQ(again.vifs[i].peering.customer_address, model.vifs[i].peering.customer_address);
    EXPECT_EQ(again.vifs[i].auth_key, model.vifs[i].auth_key);
    EXPECT_EQ(again.vifs[i].mtu, model.vifs[i].mtu);
  }
  EXPECT_EQ(again.connections.size(), model.connections.size());
  EXPECT_EQ(again.gateways[1].amazon_side_asn, 64600u);
}

TEST(DxCustomer, RouterFileAndBirdConfigCarryTheSameSessions) {
  const auto model = parse_direct_connect(kModel, "dx.toml");
  CustomerInputs in;
  in.name = "onprem";
  in.links = {{"dxcon-a", "dx0"}};
  in.announce = {*IpPrefix::parse("10.0.0.0/16")};
  in.bfd = true;
  in.local_pref = 200;
  in.communities["dxvif-a"] = {7224u << 16 | 7300};
  in.prepend["dxvif-a"] = 2;
  const RouterConfig r = parse_router_config(render_customer_router(model, in), "customer.toml");
  EXPECT_EQ(r.name, "onprem");
  EXPECT_EQ(r.bgp.asn, 65000u);
  EXPECT_EQ(r.bgp.export_prefixes, in.announce);
  ASSERT_EQ(r.bgp.neighbors.size(), 2u);  // dxvif-a and dxvif-other ride dxcon-a
  const auto& a = r.bgp.neighbors[0];
  EXPECT_EQ(a.name, "dxvif-a");
  EXPECT_EQ(a.address, model.vifs[0].peering.amazon_address.address);
  EXPECT_EQ(a.remote_asn, 64513u);
  EXPECT_EQ(a.md5_password, model.vifs[0].auth_key);
  EXPECT_EQ(a.communities, std::vector<uint32_t>{7224u << 16 | 7300});
  EXPECT_EQ(a.as_path_prepend, 2);
  EXPECT_EQ(a.local_pref, 200u);
  EXPECT_TRUE(a.bfd);
  EXPECT_EQ(r.bgp.neighbors[1].remote_asn, 64600u);
  EXPECT_TRUE(r.bgp.neighbors[1].communities.empty());

  const std::string bird = render_bird(model, in);
  for (const std::string& want : std::vector<std::string>{"protocol bgp dxvif_a", "password \"" + model.vifs[0].auth_key + "\"", "bfd on;",
                                  "bgp_community.add((7224, 7300));", "bgp_path.prepend(65000);",
                                  "neighbor " + model.vifs[0].peering.amazon_address.address.to_string() + " as 64513;",
                                  "hold time 90;", "bgp_local_pref = 200;"})
    EXPECT_NE(bird.find(want), std::string::npos) << want << "\n" << bird;

  const auto ports = customer_ports(model, in);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0].link, "dx0");
  ASSERT_EQ(ports[0].vifs.size(), 2u);
  EXPECT_EQ(ports[0].vifs[0].address, model.vifs[0].peering.customer_address);
  EXPECT_EQ(port_arguments(ports[0])[3], "101:c0-101:" + model.vifs[0].peering.customer_address.to_string() + ":1500");
}

}  // namespace
}  // namespace vpngw::dx
