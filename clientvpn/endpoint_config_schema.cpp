#include "clientvpn/endpoint_config.hpp"

namespace vpngw {
namespace {

constexpr std::string_view kIntro = R"(`vpngw clientvpn serve --config FILE` runs a Client VPN endpoint in AWS's model; `--check`
validates only. Every error names the file, the key, the value and what AWS allows. The rules:
client CIDR /12-/22 and not overlapping the VPC or any route; subnets inside the VPC, /27 or
larger, at most 5; at most 50 authorization rules and 10 routes; a `local` route only for the
client CIDR. Authorization, split tunnel, PKI and operation: [../client-vpn.md](../client-vpn.md).
Example: `examples/clientvpn.toml`. In a lab topology, `[client_vpn]` takes these keys
([lab-topology.md](lab-topology.md)).
)";

constexpr ConfigKey kKeys[] = {
    {"", "endpoint", "table", "Required: the endpoint."},
    {"", "tls", "table", "Required: its certificate, key and CA (`vpngw clientvpn pki-init` makes them)."},
    {"", "target_network", "array of tables", "Required, 1 to 5: subnet associations, one ENI each."},
    {"", "authorization_rule", "array of tables", "Up to 50. None: nobody reaches anything (AWS's default)."},
    {"", "route", "array of tables", "Up to 10 with the VPC's route, which is added for the first association."},
    {"endpoint", "id", "string", "AWS's form cvpn-endpoint-<hex>; the DNS name derives from it. "
                                 "Default: \"cvpn-endpoint-0123456789abcdef0\"."},
    {"endpoint", "region", "string", "The region in the DNS name. Default: \"us-east-1\"."},
    {"endpoint", "listen", "IPv4 address", "Required. The endpoint's outside address."},
    {"endpoint", "transport", "string", "\"udp\" or \"tcp\". Default: \"udp\" (AWS's)."},
    {"endpoint", "port", "integer", "443 or 1194. Default: 443."},
    {"endpoint", "client_cidr", "prefix", "Required. Where client addresses come from: /12 to /22, not overlapping the "
                                          "VPC or a route."},
    {"endpoint", "vpc_cidr", "prefix", "Required. The VPC the endpoint is associated with."},
    {"endpoint", "split_tunnel", "boolean", "true: push the route table's destinations as routes; false: "
                                            "`redirect-gateway def1`. Default: false."},
    {"endpoint", "session_timeout_hours", "integer", "8, 10, 12 or 24. Default: 24."},
    {"endpoint", "data_ciphers", "list of strings", "AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 in the server's "
                                                    "order of preference. Default: all three in that order."},
    {"endpoint", "key_derivation", "string", "\"tls-ekm\" (data keys from the TLS exporter when the client can) or "
                                             "\"prf\" (OpenVPN's legacy TLS 1.0 PRF). Default: \"tls-ekm\"."},
    {"endpoint", "connection_log", "path", "AWS's connection log fields, one JSON object per line. Default: none."},
    {"endpoint", "dns_servers", "list of addresses", "At most 2, pushed as dhcp-option DNS. Default: none."},
    {"endpoint", "max_connections", "integer 1-126000", "Default: what the client CIDR holds."},
    {"endpoint", "tun", "string", "The clients' TUN (holds the CIDR's first address). Default: \"cvpn0\"."},
    {"endpoint", "nat_tun", "string", "The embedded NAT router's TUN. Default: \"cvpnnat0\"."},
    {"tls", "", "", "Paths are relative to the config file."},
    {"tls", "ca", "path", "Required. The CA that signs client certificates (PEM)."},
    {"tls", "cert", "path", "Required. The server certificate (PEM)."},
    {"tls", "key", "path", "Required. Its private key (PEM)."},
    {"tls", "crl", "path", "Revoked client certificates (PEM). Default: none."},
    {"target_network", "subnet", "prefix", "Required. A VPC subnet, /27 or larger, inside `vpc_cidr`."},
    {"target_network", "eni_device", "string", "Required. The TAP device standing for the ENI, unique, 1-15 characters; "
                                               "attach it to the subnet's bridge."},
    {"target_network", "eni_address", "IPv4 address", "Required. The ENI's address in the subnet: the source of what "
                                                      "clients send through it."},
    {"target_network", "gateway", "IPv4 address", "The VPC router for destinations off the subnet. Default: the "
                                                  "subnet's first host."},
    {"authorization_rule", "destination", "prefix", "Required. What the rule grants; the longest matching rules decide."},
    {"authorization_rule", "group", "string", "The client certificate's OU the rule is for. Default: all users."},
    {"route", "destination", "prefix", "Required. Must not overlap the client CIDR (except a `local` route)."},
    {"route", "target", "string", "Required. An associated subnet (its CIDR), or \"local\" for the client CIDR "
                                  "(client to client)."},
};

}  // namespace

const ConfigSchema& clientvpn_endpoint_schema() {
  static const ConfigSchema schema{"clientvpn-endpoint", "Client VPN endpoint config (`vpngw clientvpn serve --config FILE`)",
                                   kIntro, {std::begin(kKeys), std::end(kKeys)}};
  return schema;
}

}  // namespace vpngw
