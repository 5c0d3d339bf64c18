#include "gateway/gateway_config.hpp"

#include "proto/bgp/config.hpp"
#include "proto/ike/tunnel_options_schema.hpp"

namespace vpngw {
namespace {

constexpr std::string_view kIntro = R"(One TOML file describes one gateway: `vpngw gateway --config FILE`. Unknown keys are errors (a
typo never falls back to a default silently); every error names the file, the key, the value and
what is allowed. Validate without running: `vpngw gateway --check --config FILE`. A complete
example: `examples/left.toml`. `vpngw s2s render` writes these files for a Site-to-Site
connection; `vpngw ike export-cgw --config FILE [--tunnel NAME]` prints the strongSwan swanctl.conf
matching a file's `[tunnel.ike]` tunnels.
)";

constexpr std::string_view kOutro = R"(## Stats (`--stats FILE`)

JSON written every second and at exit: `counters` holds every data-plane counter by name
(`tx_packets`, `drop_rx_replay`, `drop_rx_bad_icv`, ... the full list with meanings is
`dataplane/counters.hpp`); `tunnels` holds per-SA packets, bytes, auth failures, replay drops
and the age of the last packet received; `fib` the number of routes in the published FIB snapshot
(and, with BGP, when it was last published and how long its build took); `bgp` the same summary
`vpngw ctl --json bgp summary` prints. The same JSON comes from `vpngw ctl stats`.
)";

// One manual SA: the shape `ip xfrm state` takes (SPI, algorithm, key material with the salt last).
constexpr ConfigKey kSaKeys[] = {
    {"", "spi", "hex string (`\"0x0000a001\"`) or integer", "256-4294967295; inbound SPIs unique per gateway."},
    {"", "cipher", "string", "`aes128gcm16`, `aes256gcm16`, `chacha20poly1305`, or the xfrm names `rfc4106(gcm(aes))` (key length picks 128/256) and `rfc7539esp(chacha20,poly1305)`."},
    {"", "key", "hex string", "AES-128-GCM 20 bytes, AES-256-GCM 36 bytes, ChaCha20-Poly1305 36 bytes (key + 4-byte salt)."},
};

constexpr ConfigKey kKeys[] = {
    {"", "gateway", "table", "The gateway's name."},
    {"", "outside", "table", "Required: where the UDP socket for ESP (and IKE) binds."},
    {"", "tun", "table", "The TUN device the host routes into the gateway."},
    {"", "tunnel", "array of tables", "Tunnels, any number: each keyed by IKE or by two manual SAs."},
    {"", "route", "array of tables", "Static routes into tunnels, any number."},
    {"", "bgp", "table", "The BGP speaker (optional)."},
    {"", "management", "table", "The management socket `vpngw ctl` talks to (optional)."},
    {"gateway", "name", "string", "Used in logs and stats. Default: `\"vpngw\"`."},
    {"outside", "address", "string", "Required. Local IPv4/IPv6 address the UDP socket binds."},
    {"outside", "port", "integer", "1-65535 (RFC 3948 NAT-T port; ESP and, after NAT-T, IKE). Default: `4500`."},
    {"outside", "ike_port", "integer", "1-65535: where IKE starts (only with `[tunnel.ike]`). Default: `500`."},
    {"tun", "name", "string", "1-15 characters. Default: `\"vpngw0\"`."},
    {"tun", "mtu", "integer", "576-9000 (AWS recommends a tunnel MTU of 1399 or less). Default: `1400`."},
    {"tun", "address", "string or list of strings", "Inside addresses with their prefix lengths, e.g. `\"169.254.100.1/30\"`; a customer gateway with two tunnels takes one per tunnel: `[\"169.254.10.2/30\", \"169.254.11.2/30\"]`."},
    {"tunnel", "", "", "A tunnel is keyed either manually (`[tunnel.outbound]` and `[tunnel.inbound]`) or by IKE (`[tunnel.ike]`), never both."},
    {"tunnel", "ike", "table", "Keys negotiated by IKEv2 with a pre-shared key: AWS's tunnel options, below."},
    {"tunnel", "outbound", "table", "One manual SA for what this gateway sends (the peer's inbound SA: same SPI, cipher and key)."},
    {"tunnel", "inbound", "table", "One manual SA for what this gateway receives."},
    {"tunnel", "name", "string", "Required. Unique per file."},
    {"tunnel", "peer", "string", "Required. The far end's outside address, same family as `outside.address`."},
    {"tunnel", "peer_port", "integer", "1-65535. Default: `4500`."},
    {"tunnel", "replay_window", "integer", "64-2048 packets (AWS ReplayWindowSize). Default: `1024`."},
    {"tunnel", "esn", "bool", "64-bit extended sequence numbers (RFC 4303); both ends must agree. Default: `true`."},
    {"tunnel", "limits", "table", "Police the tunnel as AWS does (both directions; the excess is dropped and counted as "
                                  "`drop_tx_rate_limit` / `drop_rx_rate_limit`). Absent: unlimited. The lab puts it on the AWS ends."},
    {"tunnel.limits", "bandwidth_mbps", "integer", "Default: `1250` (AWS: 1.25 Gbps per tunnel)."},
    {"tunnel.limits", "packets_per_second", "integer", "Default: `140000` (AWS: 140,000 packets/s per tunnel)."},
    {"route", "", "", "Each route goes into the data plane FIB (longest prefix match picks the tunnel) and into the kernel's main table through the TUN device, so the host sends that traffic into vpngw."},
    {"route", "prefix", "string", "IPv4 or IPv6 prefix with no host bits set."},
    {"route", "tunnel", "string", "The `name` of a `[[tunnel]]`."},
    {"management", "socket", "string", "Path of the management socket `vpngw ctl` talks to (created mode 0600: root only). Default: `/run/vpngw/<gateway name>.sock`."},
};

}  // namespace

const ConfigSchema& gateway_schema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s{"gateway", "Gateway config (`vpngw gateway --config FILE`)", kIntro, {}, kOutro};
    for (const auto& k : kKeys) {
      s.keys.push_back(k);
      // The [[tunnel]] keys are followed by its sub-tables: AWS's tunnel options, the manual SAs.
      if (k.table == "tunnel" && k.key == "esn") {
        s.keys.push_back({"tunnel.ike", "", "", "AWS's tunnel options (ModifyVpnTunnelOptions) in snake case; walkthrough in [../ike.md](../ike.md). IPv4 outside addresses only."});
        for (const auto& o : under_table("tunnel.ike", ike_option_keys())) s.keys.push_back(o);
        for (const auto& o : under_table("tunnel.outbound", kSaKeys)) s.keys.push_back(o);
        s.keys.push_back({"tunnel.inbound", "", "", "The same keys as `[tunnel.outbound]`: the SA this gateway receives with."});
        for (const auto& o : under_table("tunnel.inbound", kSaKeys)) s.keys.push_back(o);
      }
      // [bgp] comes before [management], as in the example files.
      if (k.table == "route" && k.key == "tunnel")
        for (const auto& b : bgp_schema_keys(true)) s.keys.push_back(b);
    }
    return s;
  }();
  return schema;
}

}  // namespace vpngw
