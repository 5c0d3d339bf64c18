#include "s2s/vpn_config.hpp"

#include "proto/ike/tunnel_options_schema.hpp"

namespace vpngw::s2s {
namespace {

constexpr std::string_view kIntro = R"(Customer gateways, virtual private gateways, transit gateways and VPN connections with AWS's
names and rules (the AWS API's names in snake case). `vpngw s2s check --config FILE` validates a
file and prints it with AWS's defaults filled in; `vpngw s2s render` turns a connection into the
gateway configs that run it ([../site-to-site.md](../site-to-site.md)). A lab topology holds the
same tables ([lab-topology.md](lab-topology.md)).

Rules checked, each refusal naming the key, the value and AWS's rule: ASN ranges on both sides and
that they differ (the sessions are eBGP); an IPv4 customer gateway; one gateway per connection;
static routes only on static connections; at most two tunnels; inside CIDRs are /30s in
169.254.0.0/16, never 169.254.0.0/30-169.254.5.0/30 or 169.254.169.252/30, unique across the
connections of a virtual private gateway (on a transit gateway only within a connection). AWS
takes the first usable address of a tunnel's /30 (.1), the customer gateway the second (.2).
)";

constexpr ConfigKey kKeys[] = {
    {"", "customer_gateway", "array of tables", "CreateCustomerGateway."},
    {"", "vpn_gateway", "array of tables", "CreateVpnGateway: a virtual private gateway, attached to one VPC."},
    {"", "transit_gateway", "array of tables", "CreateTransitGateway."},
    {"", "vpn_connection", "array of tables", "CreateVpnConnection."},
    {"customer_gateway", "id", "string", "Required, unique in the file."},
    {"customer_gateway", "bgp_asn", "integer", "BgpAsn 1-2147483647, or BgpAsnExtended up to 4294967294. Default: 65000."},
    {"customer_gateway", "ip_address", "IPv4 address", "Required. The customer gateway's outside address."},
    {"vpn_gateway", "id", "string", "Required, unique in the file."},
    {"vpn_gateway", "amazon_side_asn", "integer", "64512-65534 or 4200000000-4294967294. Default: 64512."},
    {"transit_gateway", "id", "string", "Required, unique in the file."},
    {"transit_gateway", "amazon_side_asn", "integer", "64512-65534 or 4200000000-4294967294. Default: 64512."},
    {"transit_gateway", "vpn_ecmp_support", "boolean", "Spread flows over both tunnels (ECMP). Default: true."},
    {"vpn_connection", "id", "string", "Required, unique in the file."},
    {"vpn_connection", "customer_gateway", "string", "Required. The id of a `[[customer_gateway]]`."},
    {"vpn_connection", "vpn_gateway", "string", "The id of a `[[vpn_gateway]]`; exactly one of this and `transit_gateway`."},
    {"vpn_connection", "transit_gateway", "string", "The id of a `[[transit_gateway]]`."},
    {"vpn_connection", "static_routes_only", "boolean", "No BGP: the AWS side routes `routes` through a tunnel whose "
                                                        "IPsec SA is up. Default: false."},
    {"vpn_connection", "routes", "list of prefixes", "The connection's static routes (on-prem CIDRs); only with "
                                                     "`static_routes_only`."},
    {"vpn_connection", "tunnel", "array of tables", "Up to two; a missing one takes every default."},
    {"vpn_connection.tunnel", "tunnel_inside_cidr", "prefix", "A /30 in 169.254.0.0/16 outside AWS's reserved blocks. "
                                                              "Default: a random one."},
    {"vpn_connection.tunnel", "replay_window_size", "integer 64-2048", "Default: 1024."},
    {"vpn_connection.tunnel", "", "", "And AWS's IKE tunnel options, as a gateway's `[tunnel.ike]` takes them:"},
};

}  // namespace

const ConfigSchema& model_schema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s{"s2s-model", "Site-to-Site VPN model (`vpngw s2s check|render --config FILE`)", kIntro,
                   {std::begin(kKeys), std::end(kKeys)}};
    for (auto k : under_table("vpn_connection.tunnel", ike_option_keys())) {
      // Unlike a gateway's, a model's tunnel may leave its key out, as AWS's API does.
      if (k.key == "pre_shared_key") k.doc = "8-64 letters, digits, `.` and `_`, not starting with `0`. Default: 32 random letters and digits.";
      s.keys.push_back(k);
    }
    return s;
  }();
  return schema;
}

}  // namespace vpngw::s2s
