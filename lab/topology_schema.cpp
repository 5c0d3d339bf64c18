#include "lab/topology.hpp"

namespace vpngw::lab {
namespace {

constexpr std::string_view kIntro = R"(A lab topology is one TOML file: `vpngw lab up FILE` builds it, `vpngw lab check FILE` only
reads it. Like a containerlab file it names the lab and what runs where, but in AWS's words: the
Site-to-Site part is the model `vpngw s2s` reads (docs/reference/s2s-model.md), the Client VPN part
takes the endpoint's own keys (docs/reference/clientvpn-endpoint.md), and around them sit the
on-prem site, the VPCs and the hosts. The built-in labs are such files: `lab/topologies/*.toml`
(`default` has both Site-to-Site and Client VPN).

Every node is a network namespace `lab-<node>`. The lab itself places these (their names are
reserved): `net` (the lab internet, 198.51.100.0/24, a bridge; with Client VPN also the DNS server
.53 and the clients' home router .254), `cgw` (the customer gateway, a `vpngw gateway`, at the
customer gateway's `ip_address`), `t1` and `t2` (the AWS ends of the two tunnels at .11 and .12,
one `vpngw gateway` each, as in two AZs), `vgw` (`vpngw s2s vgw`: the VGW or TGW and the VPC
router, the first address of every subnet), `router` (the VPC router when there is no VPN
connection), `cvpn` (the Client VPN endpoint at .1 with one ENI per target network). Hosts and
clients are the nodes you name (not `server`, `ca`, `crl`, `endpoint` or `dnsmasq` either: the
lab keeps files by those names next to the clients').

A file may also wire nodes by hand (`[[node]]`, `[[bridge]]`, `[[link]]`, `[[route]]`), alone or
beside the rest: `lab/topologies/bare/` holds the labs the test and bench drivers build that way and
start their own processes in (`vpngw lab start`). The lab places `net` only with a VPN connection
or a Client VPN endpoint, and `router` only with VPC subnets and no VPN connection.

Checks happen before anything is built: every error names the file, the key and the value.
)";

constexpr ConfigKey kKeys[] = {
    {"", "lab", "table", "The lab's name and description (optional)."},
    {"", "onprem", "table", "The on-prem site behind the customer gateway; needed with a VPN connection."},
    {"", "vpc", "array of tables", "The VPCs, at most 4; more than one needs a transit gateway."},
    {"", "hosts", "table", "The hosts: node name = IPv4 address. The address decides where the host sits."},
    {"", "customer_gateway", "array of tables", "AWS's customer gateway, as in the Site-to-Site model. In the lab its "
                                                "`ip_address` is on the lab internet, 198.51.100.2 to .10."},
    {"", "vpn_gateway", "array of tables", "A virtual private gateway, as in the Site-to-Site model."},
    {"", "transit_gateway", "array of tables", "A transit gateway, as in the Site-to-Site model (several VPCs, ECMP)."},
    {"", "vpn_connection", "array of tables", "Exactly one VPN connection, as in the Site-to-Site model; "
                                              "`static_routes_only` connections must route the on-prem `cidr`."},
    {"", "site_to_site", "table", "Lab settings for the VPN connection that AWS's model has no word for."},
    {"", "client_vpn", "table", "A Client VPN endpoint in the VPC, with its clients."},
    {"", "dx_connection", "array of tables", "A Direct Connect connection, as in the Direct Connect model "
                                             "([dx-model.md](dx-model.md)); each one a VIF runs on becomes a link `dx<i>` "
                                             "between `cgw` and `vgw`, its VIFs 802.1Q VLANs on it."},
    {"", "dx_lag", "array of tables", "A LAG, as in the Direct Connect model (the lab runs a VIF on a LAG over its first link)."},
    {"", "dx_gateway", "array of tables", "A Direct Connect gateway, as in the Direct Connect model; the lab's VIFs share "
                                          "one AWS-side ASN."},
    {"", "dx_vif", "array of tables", "A virtual interface, as in the Direct Connect model: private, IPv4, to the "
                                      "lab's virtual private gateway (through a `dx_gateway` or directly)."},
    {"", "direct_connect", "table", "The customer router's side of Direct Connect, which AWS's model has no word for."},
    {"", "node", "array of tables", "Nodes the file wires itself (with `bridge`, `link`, `route`): labs built by hand, "
                                    "such as those the test and bench drivers start their own processes in "
                                    "(`lab/topologies/bare/`)."},
    {"", "bridge", "array of tables", "A bridge in a node."},
    {"", "link", "array of tables", "A veth pair between two nodes (or within one)."},
    {"", "route", "array of tables", "A static route in a node."},
    {"lab", "name", "string", "Shown by `lab up` and `lab status`. Default: \"lab\"."},
    {"lab", "description", "string", "One line, shown by `lab up`."},
    {"onprem", "cidr", "prefix", "The on-prem network: the customer gateway announces it over BGP (or it is the "
                                 "static route). Must not overlap a VPC or the client CIDR."},
    {"onprem", "lan", "prefix", "The LAN behind the customer gateway, inside `cidr`, /29 or larger; the customer "
                                "gateway takes its first address. Default: the first /24 of `cidr`."},
    {"vpc", "id", "string", "The VPC's name, unique."},
    {"vpc", "cidr", "prefix", "The VPC's CIDR block, /16 to /28 (AWS). VPCs must not overlap each other or on-prem."},
    {"vpc", "subnets", "list of prefixes", "1 to 4 subnets inside `cidr`, /16 to /28. Each is a bridge; the VPC router "
                                           "holds its first address, AWS's reservations (first four, last) apply to hosts."},
    {"hosts", "*", "IPv4 address", "A host node named by the key (a lowercase letter, then letters or digits, at most "
                                   "12), in the on-prem `lan` or in a VPC subnet; default route via that segment's "
                                   "gateway. At most 16."},
    {"site_to_site", "bfd_ms", "integer 50-10000", "BFD inside both tunnels at this interval (x3 to detect), a lab "
                                                   "probe AWS does not run. Default: none (BGP hold time, DPD)."},
    {"site_to_site", "hold_time", "integer 3-65535", "BGP hold time in seconds on both sides (keepalive a third). "
                                                     "Default: AWS's 30."},
    {"site_to_site", "customer_multipath", "boolean", "The customer gateway sends over both tunnels (BGP multipath, "
                                                      "per-flow hash) instead of one. Default: false."},
    {"site_to_site", "aws_limits", "boolean", "AWS's per-tunnel limits on the AWS ends: 1.25 Gbps and 140,000 packets/s, "
                                              "the excess dropped and counted (`drop_tx_rate_limit`, `drop_rx_rate_limit`). Default: true."},
    {"site_to_site", "customer_prepend", "list of 2 integers 0-10", "Extra copies of the customer's ASN on what it "
                                                                    "announces over tunnel 1 and tunnel 2, e.g. [2, 0] "
                                                                    "to make AWS prefer tunnel 2. Default: [0, 0]."},
    {"direct_connect", "customer_router", "string", "\"vpngw\" (`vpngw router`) or \"bird\" (BIRD 2 with the config "
                                                    "`vpngw dx export-router --vendor bird` writes). With a VPN connection the "
                                                    "customer gateway runs the VIFs' sessions too. Default: \"vpngw\"."},
    {"direct_connect", "customer_bfd", "boolean", "The customer router starts BFD on every VIF; AWS's end answers "
                                                  "(passive, 300 ms x 3). Default: false."},
    {"direct_connect", "bfd_ms", "integer 300-10000", "The customer's BFD interval. Default: 300 (AWS's minimum)."},
    {"direct_connect", "customer_local_pref", "integer", "LOCAL_PREF the customer gives AWS's routes learned over Direct "
                                                         "Connect (above 100: preferred to the VPN's). Default: 100."},
    {"direct_connect", "customer_preferred_vif", "string", "A `[[dx_vif]]` id: the customer sends through it first "
                                                           "(its routes get `customer_local_pref` + 100). Default: none (BGP's tie-breakers)."},
    {"direct_connect", "customer_communities", "table", "VIF id = list of communities the customer tags its routes with "
                                                        "on that VIF, e.g. { \"dxvif-a\" = [\"7224:7300\"] } (AWS's local "
                                                        "preference: 7300 high, 7200 medium, 7100 low)."},
    {"direct_connect", "customer_prepend", "table", "VIF id = extra copies (0-10) of the customer's ASN on that VIF."},
    {"direct_connect.customer_communities", "*", "list of strings", "Keyed by a `[[dx_vif]]`'s id: communities \"ASN:VALUE\"."},
    {"direct_connect.customer_prepend", "*", "integer 0-10", "Keyed by a `[[dx_vif]]`'s id."},
    {"client_vpn", "id", "string", "The endpoint's id (its DNS name is built from it). Default: "
                                   "\"cvpn-endpoint-0123456789abcdef0\"."},
    {"client_vpn", "region", "string", "The region in the DNS name. Default: \"us-east-1\"."},
    {"client_vpn", "transport", "string", "\"udp\" or \"tcp\". Default: \"udp\"."},
    {"client_vpn", "port", "integer", "443 or 1194 (AWS). Default: 443."},
    {"client_vpn", "client_cidr", "prefix", "Where client addresses come from, /12 to /22, not overlapping the VPC, "
                                            "a route or on-prem. Required."},
    {"client_vpn", "split_tunnel", "boolean", "Push only the endpoint's routes (true) or all traffic (false). "
                                              "Default: false, as AWS."},
    {"client_vpn", "session_timeout_hours", "integer", "8, 10, 12 or 24. Default: 24."},
    {"client_vpn", "data_ciphers", "list of strings", "The endpoint's data ciphers, in order of preference. "
                                                      "Default: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305."},
    {"client_vpn", "key_derivation", "string", "\"tls-ekm\": data keys from the TLS exporter when the client can; \"prf\": OpenVPN's legacy PRF always. Default: \"tls-ekm\"."},
    {"client_vpn", "dns_servers", "list of addresses", "Pushed to clients. Default: none."},
    {"client_vpn", "max_connections", "integer", "Default: what the client CIDR holds."},
    {"client_vpn", "target_network", "array of tables", "Subnet associations, 1 to 5, all in one VPC: one ENI each "
                                                        "(a TAP bridged into the subnet, source NAT to its address)."},
    {"client_vpn", "authorization_rule", "array of tables", "As the endpoint's `[[authorization_rule]]`: "
                                                            "`destination`, optional `group` (the certificate's OU)."},
    {"client_vpn", "route", "array of tables", "As the endpoint's `[[route]]`: `destination`, `target` (a target "
                                               "network's subnet, or \"local\"). The VPC's route is added for you."},
    {"client_vpn", "client", "array of tables", "Clients, at most 16: each a node on the lab internet (198.51.100.101 "
                                                "on) running the stock openvpn client with the exported .ovpn file."},
    {"client_vpn.target_network", "subnet", "prefix", "One of the `[[vpc]]` subnets."},
    {"client_vpn.target_network", "eni_address", "IPv4 address", "The ENI's address. Default: the subnet's first "
                                                                 "address AWS does not reserve and no host has."},
    {"client_vpn.client", "name", "string", "The node's name and the certificate's CN."},
    {"client_vpn.client", "group", "string", "The certificate's OU, which authorization rules match. Default: none."},
    {"node", "name", "string", "The node's name (a lowercase letter, then letters or digits, at most 12); not one the "
                               "lab places itself."},
    {"node", "forward", "boolean", "The node routes between its links (net.ipv4.ip_forward). Default: false."},
    {"node", "loopback", "list of addresses", "Addresses with prefix lengths on the node's lo, e.g. [\"10.20.0.1/32\"]."},
    {"bridge", "node", "string", "The node the bridge is in."},
    {"bridge", "name", "string", "The bridge's device name (1 to 15 characters)."},
    {"bridge", "addresses", "list of addresses", "Addresses with prefix lengths on the bridge. Default: none."},
    {"link", "a", "table", "One end: `node`, `device`, optional `address` (with prefix length) and `bridge` (a "
                           "`[[bridge]]` of that node the end becomes a port of)."},
    {"link", "b", "table", "The other end, the same keys."},
    {"link.a", "node", "string", "The node this end is in."},
    {"link.a", "device", "string", "The device name (1 to 15 characters)."},
    {"link.a", "address", "address with prefix length", "E.g. \"198.51.100.1/24\". Default: none."},
    {"link.a", "bridge", "string", "A bridge of the same node this end joins. Default: none."},
    {"link.b", "node", "string", "The node this end is in."},
    {"link.b", "device", "string", "The device name (1 to 15 characters)."},
    {"link.b", "address", "address with prefix length", "E.g. \"198.51.100.2/24\". Default: none."},
    {"link.b", "bridge", "string", "A bridge of the same node this end joins. Default: none."},
    {"route", "node", "string", "The node whose table gets the route."},
    {"route", "prefix", "prefix", "The destination, \"0.0.0.0/0\" for the default route."},
    {"route", "via", "IPv4 address", "The next hop, on one of the node's subnets."},
};

}  // namespace

const ConfigSchema& topology_schema() {
  static const ConfigSchema schema{"lab-topology", "Lab topology files", kIntro, {std::begin(kKeys), std::end(kKeys)}};
  return schema;
}

}  // namespace vpngw::lab
