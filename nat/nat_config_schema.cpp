#include "nat/nat_config.hpp"

namespace vpngw {
namespace {

constexpr std::string_view kIntro = R"(`vpngw nat --config FILE` runs the source NAT with ENI-like interfaces on its own (the Client VPN
endpoint embeds the same router and writes this config itself). Behaviour and numbers:
[../nat.md](../nat.md). `--check` validates only; unknown keys and values out of range are errors
naming the file, key, value and what is allowed. Example: `examples/nat.toml`.
)";

constexpr ConfigKey kKeys[] = {
    {"", "nat", "table", "Required: the router."},
    {"", "eni", "array of tables", "Required, 1 to 32: the ENI-like interfaces traffic leaves through."},
    {"nat", "name", "string", "Names the management socket /run/vpngw/NAME.sock and the logs. Default: \"nat\"."},
    {"nat", "tun", "string", "The TUN device clients' packets arrive on, 1-15 characters. Default: \"cvpn0\"."},
    {"nat", "client_cidr", "prefix", "Required. The clients' IPv4 range, e.g. \"172.16.0.0/22\"."},
    {"nat", "inside_address", "IPv4 address", "Required. This router's address inside `client_cidr`: the source of the ICMP "
                                              "3/13 it sends for refused packets."},
    {"nat", "max_flows", "integer 16-16000000", "Flow table size. Default: 1048576."},
    {"nat", "udp_timeout", "integer", "Seconds an idle UDP mapping lives, at least 120 (RFC 4787 REQ-5). Default: 300."},
    {"nat", "tcp_established_timeout", "integer", "Seconds, at least 7440 (RFC 5382 REQ-5). Default: 7440."},
    {"nat", "tcp_transitory_timeout", "integer", "Seconds for half-open and closing TCP, at least 240 (RFC 5382 REQ-5). "
                                                 "Default: 240."},
    {"nat", "icmp_timeout", "integer", "Seconds, at least 60 (RFC 5508 REQ-1). Default: 60."},
    {"nat", "routes", "list of prefixes", "Destinations routed into the TUN. Default: every ENI's subnet."},
    {"eni", "device", "string", "Required. The TAP device, 1-15 characters, unique; attach it to the subnet (a bridge)."},
    {"eni", "address", "address/length", "Required. The ENI's address with its subnet length, e.g. \"10.0.1.10/24\"."},
    {"eni", "gateway", "IPv4 address", "Next hop for destinations off the subnet (the VPC router). Default: none."},
    {"eni", "mac", "string", "A unicast MAC, e.g. \"02:00:0a:00:01:0a\". Default: derived from the address."},
};

}  // namespace

const ConfigSchema& nat_schema() {
  static const ConfigSchema schema{"nat", "NAT router config (`vpngw nat --config FILE`)", kIntro,
                                   {std::begin(kKeys), std::end(kKeys)}};
  return schema;
}

}  // namespace vpngw
