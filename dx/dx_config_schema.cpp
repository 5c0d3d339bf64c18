#include "dx/dx_config.hpp"

namespace vpngw::dx {
namespace {

constexpr std::string_view kIntro = R"(Direct Connect connections, LAGs, virtual interfaces (VIFs) and Direct Connect gateways with
AWS's names and rules (the AWS API's names in snake case). A lab topology will hold the same tables.

Rules checked, each refusal naming the key, the value and AWS's rule: connection speeds (dedicated
1, 10, 100, 400 Gbps; hosted 50-500 Mbps, 1, 2, 5, 10, 25 Gbps); LAGs of dedicated connections of one
speed, at most 4 links (2 at 100 Gbps and above), `minimum_links` no more than the links; a VIF on a
LAG, not on one of its links; VLAN 1-4094, unique per connection or LAG; MTU 1500 or 9001 (private),
1500 or 8500 (transit), 1500 (public); a private VIF attaches to one Direct Connect gateway or one
virtual private gateway, a transit VIF to a Direct Connect gateway, a public VIF to neither and
names the public prefixes it advertises; a Direct Connect gateway serves VGWs or TGWs, not both,
and only private VIFs attach to one with VGWs, only transit VIFs to one with TGWs; the customer's
ASN differs from the gateway's (eBGP); peer addresses both or neither (AWS then picks a /30 in
169.254.0.0/16, or for IPv6 a /125, which AWS always allocates itself); quotas: 50 private and
public VIFs and 4 transit VIFs per dedicated connection or LAG, one VIF on a hosted connection.

A hosted connection (`type = "hosted"`) is the customer's: one VIF, the whole (policed) speed. A
hosted VIF is a VIF on a partner's connection (`owner = "partner"`): it shares that connection's
bandwidth. AWS's side of every VIF's BGP session: hold 90 s and keepalive 30 s unless set, MD5
always (a key is generated when none is given), at most 100 prefixes from the customer on a
private or transit VIF and 1000 on a public one (past it: Cease, the session goes idle).
)";

constexpr ConfigKey kKeys[] = {
    {"", "dx_connection", "array of tables", "CreateConnection (or a partner's hosted connection)."},
    {"", "dx_lag", "array of tables", "CreateLag: dedicated connections bundled with LACP."},
    {"", "dx_gateway", "array of tables", "CreateDirectConnectGateway and its associations."},
    {"", "dx_vif", "array of tables", "CreatePrivateVirtualInterface, CreateTransitVirtualInterface, CreatePublicVirtualInterface."},
    {"dx_connection", "id", "string", "Required, unique in the file."},
    {"dx_connection", "type", "string", "`dedicated` or `hosted`. Default: dedicated."},
    {"dx_connection", "owner", "string", "`customer`, or `partner`: a partner's connection, whose VIFs are hosted VIFs. Default: customer."},
    {"dx_connection", "bandwidth", "string", "Required. Dedicated: 1Gbps, 10Gbps, 100Gbps, 400Gbps. Hosted: 50Mbps, 100Mbps, 200Mbps, "
                                             "300Mbps, 400Mbps, 500Mbps, 1Gbps, 2Gbps, 5Gbps, 10Gbps, 25Gbps (policed: excess is dropped)."},
    {"dx_connection", "lag", "string", "The id of the `[[dx_lag]]` this dedicated connection is a link of."},
    {"dx_lag", "id", "string", "Required, unique in the file."},
    {"dx_lag", "connections_bandwidth", "string", "Required. The speed of every link (a dedicated speed)."},
    {"dx_lag", "minimum_links", "integer 0-4", "Below this many links up the LAG is down. Default: 0."},
    {"dx_gateway", "id", "string", "Required, unique in the file."},
    {"dx_gateway", "amazon_side_asn", "integer", "64512-65534 or 4200000000-4294967294. Default: 64512."},
    {"dx_gateway", "virtual_gateways", "list of strings", "Associated virtual private gateways (ids of the Site-to-Site model's)."},
    {"dx_gateway", "transit_gateways", "list of strings", "Associated transit gateways; not with `virtual_gateways`."},
    {"dx_vif", "id", "string", "Required, unique in the file."},
    {"dx_vif", "type", "string", "`private`, `transit` or `public`. Default: private."},
    {"dx_vif", "connection", "string", "Required. The id of a `[[dx_connection]]` or `[[dx_lag]]`."},
    {"dx_vif", "vlan", "integer 1-4094", "Required. The 802.1Q tag, unique on its connection or LAG."},
    {"dx_vif", "mtu", "integer", "1500, or jumbo: 9001 (private), 8500 (transit). Default: 1500."},
    {"dx_vif", "asn", "integer 1-4294967294", "The customer's BGP ASN. Default: 65000."},
    {"dx_vif", "auth_key", "string", "The BGP MD5 key, 6-80 characters without spaces. Default: 24 random letters and digits."},
    {"dx_vif", "address_family", "string", "`ipv4` or `ipv6`: the VIF's BGP session. Default: ipv4."},
    {"dx_vif", "amazon_address", "address/length", "AWS's peer address, e.g. \"169.254.10.1/30\" (a /30 or /31; in "
                                                   "169.254.0.0/16 unless public). Default: a free /30's .1 (IPv6: a /125)."},
    {"dx_vif", "customer_address", "address/length", "The customer router's peer address, in the same subnet. Default: the .2."},
    {"dx_vif", "direct_connect_gateway", "string", "The id of a `[[dx_gateway]]`: required for a transit VIF; for a private VIF "
                                                   "this or `virtual_gateway`."},
    {"dx_vif", "virtual_gateway", "string", "A private VIF straight to a virtual private gateway."},
    {"dx_vif", "route_filter_prefixes", "list of prefixes", "Public VIFs only, required there: the public prefixes the customer advertises."},
    {"dx_vif", "hold_time", "integer 3-65535", "AWS's side of the BGP session, seconds. Default: 90."},
    {"dx_vif", "keepalive", "integer", "At most a third of `hold_time`. Default: 30."},
};

}  // namespace

const ConfigSchema& dx_model_schema() {
  static const ConfigSchema schema{"dx-model", "Direct Connect model", kIntro, {std::begin(kKeys), std::end(kKeys)}};
  return schema;
}

}  // namespace vpngw::dx
