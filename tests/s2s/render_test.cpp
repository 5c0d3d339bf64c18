// The rendered gateway configs must load with the gateway's own strict parser and say what the
// model says: the AWS ends and the customer gateway agree on keys, inside addresses and ASNs.
#include <gtest/gtest.h>

#include "gateway/gateway_config.hpp"
#include "s2s/render.hpp"

namespace vpngw::s2s {
namespace {

constexpr const char* kModel = R"toml(
[[customer_gateway]]
id = "cgw-1"
bgp_asn = 65010
ip_address = "198.51.100.2"

[[vpn_gateway]]
id = "vgw-1"
amazon_side_asn = 64600

[[vpn_connection]]
id = "vpn-1"
customer_gateway = "cgw-1"
vpn_gateway = "vgw-1"
[[vpn_connection.tunnel]]
tunnel_inside_cidr = "169.254.10.0/30"
pre_shared_key = "Tunnel_one.key"
dpd_timeout_seconds = 30
[[vpn_connection.tunnel]]
tunnel_inside_cidr = "169.254.11.0/30"

[[vpn_connection]]
id = "vpn-static"
customer_gateway = "cgw-1"
vpn_gateway = "vgw-1"
static_routes_only = true
routes = ["10.0.0.0/16"]
)toml";

RenderInputs inputs() {
  RenderInputs in;
  in.aws_outside = {*IpAddress::parse("203.0.113.10"), *IpAddress::parse("203.0.113.20")};
  in.vpc_cidrs = {*IpPrefix::parse("10.1.0.0/16")};
  in.onprem_cidrs = {*IpPrefix::parse("10.0.0.0/16")};
  in.customer_med = {100u, 200u};
  in.customer_prepend = {0, 2};
  in.customer_multipath = true;
  return in;
}

TEST(S2sRender, DynamicConnectionRunsAsThreeGateways) {
  const auto model = parse_site_to_site(kModel, "model.toml");
  const auto r = render_connection(model, "vpn-1", inputs());
  const auto cgw = parse_gateway_config(r.customer_gateway, "cgw.toml");
  ASSERT_EQ(cgw.tunnels.size(), 2u);
  ASSERT_EQ(cgw.tun_addresses.size(), 2u);
  EXPECT_EQ(cgw.tun_addresses[0].address.to_string(), "169.254.10.2");
  ASSERT_TRUE(cgw.bgp);
  EXPECT_EQ(cgw.bgp->asn, 65010u);
  EXPECT_TRUE(cgw.bgp->multipath);
  ASSERT_EQ(cgw.bgp->neighbors.size(), 2u);
  EXPECT_EQ(cgw.bgp->neighbors[1].address.to_string(), "169.254.11.1");
  EXPECT_EQ(cgw.bgp->neighbors[1].remote_asn, 64600u);
  EXPECT_EQ(cgw.bgp->neighbors[1].med, 200u);
  EXPECT_EQ(cgw.bgp->neighbors[0].as_path_prepend, 0);
  EXPECT_EQ(cgw.bgp->neighbors[1].as_path_prepend, 2);
  EXPECT_EQ(cgw.bgp->export_prefixes.at(0).to_string(), "10.0.0.0/16");
  EXPECT_EQ(cgw.tunnels[0].ike->startup_action, ike::StartupAction::start);

  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(r.aws_endpoint_name[i]);
    const auto aws = parse_gateway_config(r.aws_endpoint[i], r.aws_endpoint_name[i] + ".toml");
    EXPECT_EQ(aws.name, i == 0 ? "vpn-1-tunnel1" : "vpn-1-tunnel2");
    EXPECT_EQ(aws.outside_address.to_string(), i == 0 ? "203.0.113.10" : "203.0.113.20");
    ASSERT_EQ(aws.tunnels.size(), 1u);
    EXPECT_EQ(aws.tunnels[0].peer.to_string(), "198.51.100.2");
    EXPECT_EQ(cgw.tunnels[i].peer, aws.outside_address);
    // Both ends hold the same key and options; only who starts and the DPD action differ.
    EXPECT_EQ(aws.tunnels[0].ike->pre_shared_key, cgw.tunnels[i].ike->pre_shared_key);
    EXPECT_EQ(aws.tunnels[0].ike->dpd_timeout_seconds, cgw.tunnels[i].ike->dpd_timeout_seconds);
    EXPECT_EQ(aws.tunnels[0].ike->phase2_dh_groups, cgw.tunnels[i].ike->phase2_dh_groups);
    EXPECT_EQ(aws.tunnels[0].ike->startup_action, ike::StartupAction::add);
    ASSERT_TRUE(aws.bgp);
    EXPECT_EQ(aws.bgp->asn, 64600u);
    EXPECT_EQ(aws.bgp->neighbors.at(0).address, cgw.tun_addresses[i].address);
    EXPECT_EQ(aws.bgp->neighbors.at(0).remote_asn, 65010u);
    EXPECT_EQ(aws.bgp->export_prefixes.at(0).to_string(), "10.1.0.0/16");
  }
  EXPECT_EQ(parse_gateway_config(r.aws_endpoint[0], "t1").tunnels[0].ike->pre_shared_key, "Tunnel_one.key");
  EXPECT_EQ(parse_gateway_config(r.aws_endpoint[0], "t1").tunnels[0].ike->dpd_timeout_seconds, 30u);
  EXPECT_FALSE(parse_gateway_config(r.aws_endpoint[0], "t1").tunnels[0].limits) << "no limits unless asked";
  EXPECT_FALSE(cgw.tunnels[0].limits);
}

TEST(S2sRender, AwsLimitsGoOnTheAwsEndsOnly) {
  auto in = inputs();
  in.aws_limits.emplace();
  const auto r = render_connection(parse_site_to_site(kModel, "model.toml"), "vpn-1", in);
  for (const auto& text : r.aws_endpoint) {
    const auto limits = parse_gateway_config(text, "aws.toml").tunnels.at(0).limits;
    ASSERT_TRUE(limits);
    EXPECT_EQ(limits->bandwidth_mbps, 1250u);
    EXPECT_EQ(limits->packets_per_second, 140000u);
  }
  for (const auto& t : parse_gateway_config(r.customer_gateway, "cgw.toml").tunnels) EXPECT_FALSE(t.limits);
}

TEST(S2sRender, StaticConnectionHasNoBgp) {
  const auto r = render_connection(parse_site_to_site(kModel, "model.toml"), "vpn-static", inputs());
  const auto aws = parse_gateway_config(r.aws_endpoint[1], "t2.toml");
  EXPECT_FALSE(aws.bgp);
  ASSERT_EQ(aws.routes.size(), 1u);
  EXPECT_EQ(aws.routes[0].prefix.to_string(), "10.0.0.0/16");
  const auto cgw = parse_gateway_config(r.customer_gateway, "cgw.toml");
  EXPECT_FALSE(cgw.bgp);
  ASSERT_EQ(cgw.routes.size(), 1u);
  EXPECT_EQ(cgw.routes[0].prefix.to_string(), "10.1.0.0/16");
}

TEST(S2sRender, UnknownConnectionIsAnError) {
  const auto model = parse_site_to_site(kModel, "model.toml");
  EXPECT_THROW(render_connection(model, "vpn-9", inputs()), ConfigError);
  RenderInputs no_vpc = inputs();
  no_vpc.vpc_cidrs.clear();
  EXPECT_THROW(render_connection(model, "vpn-1", no_vpc), ConfigError);
}

}  // namespace
}  // namespace vpngw::s2s
