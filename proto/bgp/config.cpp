#include "proto/bgp/config.hpp"

#include "common/config/toml_reader.hpp"

namespace vpngw {

// ASNs: 1-4294967294 (4294967295 is reserved, RFC 7300); AS_TRANS is never a real ASN.
uint32_t parse_asn(TableReader& r, const std::string& key) {
  auto v = r.integer(key, 1, 4294967294);
  if (!v) r.fail(key, "", "missing; an AS number in 1-4294967294");
  if (*v == 23456) r.fail(key, "23456", "AS_TRANS (23456) is not an AS number (RFC 6793)");
  return uint32_t(*v);
}

namespace {

uint16_t parse_hold_time(TableReader& r, const std::string& key, uint16_t fallback) {
  auto v = r.integer(key, 0, 65535);
  if (!v) return fallback;
  if (*v == 1 || *v == 2) r.fail(key, std::to_string(*v), "a hold time is 0 (no keepalives) or 3-65535 seconds");
  return uint16_t(*v);
}

}  // namespace

BgpConfig parse_bgp_config(TableReader& r, const std::set<std::string>& tunnel_names) {
  BgpConfig b;
  b.asn = parse_asn(r, "asn");
  if (auto id = r.string("router_id")) {
    auto a = parse_address(r, "router_id", *id);
    if (a.v6) r.fail("router_id", "\"" + *id + "\"", "a router ID is written as an IPv4 address");
    b.router_id = a;
  }
  b.hold_time = parse_hold_time(r, "hold_time", b.hold_time);
  if (auto k = r.integer("keepalive", 0, 21845)) b.keepalive = uint16_t(*k);
  if (auto c = r.integer("connect_retry", 1, 3600)) b.connect_retry = uint16_t(*c);
  if (auto p = r.integer("listen_port", 1, 65535)) b.listen_port = uint16_t(*p);
  if (auto k = r.boolean("kernel_routes")) b.kernel_routes = *k;
  if (auto m = r.boolean("multipath")) b.multipath = *m;
  // AWS Direct Connect's BFD: 300 ms minimum interval, multiplier 3.
  if (auto i = r.integer("bfd_interval_ms", 50, 10000)) b.bfd_interval_ms = uint32_t(*i);
  if (auto m = r.integer("bfd_multiplier", 1, 255)) b.bfd_multiplier = uint8_t(*m);
  if (auto p = r.boolean("bfd_passive")) b.bfd_passive = *p;
  b.export_prefixes = parse_prefix_list(r, "export");
  std::set<std::string> names;
  if (const auto* neighbors = r.array_of_tables("neighbor")) {
    for (size_t i = 0; i < neighbors->size(); ++i) {
      TableReader n(*neighbors->get(i)->as_table(), r.full("neighbor[" + std::to_string(i) + "]"), r.source());
      BgpNeighborConfig nb;
      nb.address = parse_address(n, "address", n.required_string("address", "the neighbour's inside address"));
      nb.name = n.string("name").value_or(nb.address.to_string());
      if (!names.insert(nb.name).second) n.fail("name", "\"" + nb.name + "\"", "neighbour names must be unique");
      nb.remote_asn = parse_asn(n, "remote_asn");
      // Without tunnels (a router's file) the key is not read, so it is refused as unknown.
      if (!tunnel_names.empty())
        if (auto tunnel = n.string("tunnel")) {
          if (!tunnel_names.count(*tunnel)) n.fail("tunnel", "\"" + *tunnel + "\"", "no [[tunnel]] has that name");
          nb.tunnel = *tunnel;
        }
      if (auto la = n.string("local_address")) nb.local_address = parse_address(n, "local_address", *la);
      if (auto p = n.boolean("passive")) nb.passive = *p;
      if (auto bfd = n.boolean("bfd")) nb.bfd = *bfd;
      if (auto pp = n.integer("as_path_prepend", 0, 10)) nb.as_path_prepend = uint8_t(*pp);
      if (nb.bfd && (!nb.local_address || nb.local_address->v6 || nb.address.v6))
        n.fail("bfd", "true", "BFD needs local_address (the inside address its packets leave from), IPv4 on both ends");
      if (auto pw = n.string("md5_password")) {
        if (pw->size() > 80) n.fail("md5_password", "(" + std::to_string(pw->size()) + " characters)", "at most 80 characters (TCP_MD5SIG_MAXKEYLEN)");
        nb.md5_password = *pw;
      }
      if (auto m = n.integer("max_prefixes", 0, 100'000'000)) nb.max_prefixes = uint32_t(*m);
      if (n.node("hold_time")) nb.hold_time = parse_hold_time(n, "hold_time", b.hold_time);
      if (auto k = n.integer("keepalive", 0, 21845)) nb.keepalive = uint16_t(*k);
      if (auto lp = n.integer("local_pref", 0, 4294967295)) nb.local_pref = uint32_t(*lp);
      if (auto med = n.integer("med", 0, 4294967295)) nb.med = uint32_t(*med);
      if (auto ttl = n.integer("ttl", 1, 255)) nb.ttl = uint8_t(*ttl);
      nb.communities = parse_string_list(n, "communities", "communities as \"ASN:VALUE\", e.g. [\"7224:7300\"]",
                                         [&](const std::string& text) {
                                           auto c = bgp::parse_community(text);
                                           if (!c) n.fail("communities", "\"" + text + "\"", "a community \"ASN:VALUE\", both 0-65535");
                                           return *c;
                                         });
      n.reject_unknown();
      b.neighbors.push_back(std::move(nb));
    }
  }
  r.reject_unknown();
  return b;
}

namespace {

constexpr std::string_view kGatewayNote =
    "Runs eBGP (or iBGP, when a neighbour has our ASN) with each neighbour, as AWS does over each VPN tunnel's inside "
    "addresses. Routes learned from a neighbour with a `tunnel` go into the FIB (pointing at that tunnel) and, unless "
    "`kernel_routes = false`, into the kernel's main table out of the TUN (`ip route show proto bgp`); a neighbour's "
    "own address always routes into its tunnel, like a VTI. Routes from a neighbour without a `tunnel` (on a plain "
    "interface) go into the kernel via their BGP next hop. For the same prefix a static `[[route]]` beats a BGP route "
    "(AWS: VPN static over VPN BGP). Walkthrough: [../bgp.md](../bgp.md).";
constexpr std::string_view kRouterNote =
    "Runs eBGP (or iBGP, when a neighbour has our ASN) with each neighbour over the namespace's own interfaces. "
    "Learned routes go, unless `kernel_routes = false`, into the kernel's main table via their BGP next hop "
    "(`ip route show proto bgp`). Walkthrough: [../bgp.md](../bgp.md).";

constexpr ConfigKey kBgpKeys[] = {
    {"bgp", "neighbor", "array of tables", "The BGP neighbours, any number."},
    {"bgp", "asn", "integer", "Required. 1-4294967294 except 23456 (AWS side: 64512 default, 64512-65534 or 4200000000-4294967294)."},
    {"bgp", "router_id", "string", "An IPv4 address. Default: a gateway's `[tun]` IPv4 address; required on a router."},
    {"bgp", "hold_time", "integer", "0 (no keepalives) or 3-65535 s; the session uses the smaller of both sides' values. Default: 30."},
    {"bgp", "keepalive", "integer", "0-21845 s; never more than a third of the negotiated hold time. Default: 10."},
    {"bgp", "connect_retry", "integer", "1-3600 s between connection attempts. Default: 5."},
    {"bgp", "listen_port", "integer", "1-65535 (also the port we connect to). Default: 179."},
    {"bgp", "kernel_routes", "bool", "Install learned routes in the kernel. Default: true."},
    {"bgp", "export", "list of strings", "Prefixes announced to every neighbour with our ASN as the path (the VPC CIDR). Default: []."},
    {"bgp", "multipath", "bool", "BGP multipath: paths equal down to the tie-breakers (LOCAL_PREF, AS_PATH length, ORIGIN, neighbouring AS, MED) share the traffic, flows spread by a hash of addresses, protocol and ports (a customer gateway's active/active). Default: false."},
    {"bgp", "bfd_interval_ms", "integer", "50-10000: BFD transmit and receive interval once Up (1 s before, RFC 5880 6.8.3). Default: 300."},
    {"bgp", "bfd_multiplier", "integer", "1-255: missed packets before BFD declares the neighbour down. Default: 3."},
    {"bgp", "bfd_passive", "bool", "BFD's passive role (RFC 5880 6.1): send nothing to a neighbour until it has sent to us, as AWS's end of a Direct Connect VIF does. Default: false."},
    {"bgp.neighbor", "address", "string", "Required. The neighbour's address (a tunnel's inside address, or on a connected subnet)."},
    {"bgp.neighbor", "name", "string", "Unique; `vpngw ctl bgp reset NAME` takes it. Default: the address."},
    {"bgp.neighbor", "remote_asn", "integer", "Required. As `asn`; a 4-byte ASN works with 2-byte-only peers through AS_TRANS."},
    {"bgp.neighbor", "tunnel", "string", "The `[[tunnel]]` routes from this neighbour leave through. Leave it out for a neighbour on a plain interface (its routes go into the kernel via their next hop)."},
    {"bgp.neighbor", "local_address", "string", "Bind to this address before connecting."},
    {"bgp.neighbor", "passive", "bool", "Only accept connections, never open one. Default: false."},
    {"bgp.neighbor", "md5_password", "string", "TCP MD5 signature (RFC 2385), at most 80 characters; Direct Connect always uses it."},
    {"bgp.neighbor", "max_prefixes", "integer", "0 = no limit. Past it: NOTIFICATION Cease/1 and the session stays Idle until `vpngw ctl bgp reset` (AWS: 100 from a customer gateway). Default: 100."},
    {"bgp.neighbor", "hold_time", "integer", "As above. Default: the `[bgp]` values."},
    {"bgp.neighbor", "keepalive", "integer", "As above. Default: the `[bgp]` values."},
    {"bgp.neighbor", "local_pref", "integer", "The LOCAL_PREF this neighbour's routes get (not taken from eBGP peers). Default: 100."},
    {"bgp.neighbor", "med", "integer", "MED on the routes we announce to this neighbour (`vpngw ctl` can change it at runtime: `bgp med`)."},
    {"bgp.neighbor", "as_path_prepend", "integer", "0-10: our ASN this many extra times in the AS_PATH we announce (makes this path less preferred). Default: 0."},
    {"bgp.neighbor", "communities", "list of strings", "Communities (RFC 1997, \"ASN:VALUE\") on the routes we announce to this neighbour, e.g. [\"7224:7300\"] for Direct Connect's high local preference. Default: []."},
    {"bgp.neighbor", "ttl", "integer", "1-255: the IP TTL of the session's packets; 1 keeps it to a directly connected neighbour (AWS Direct Connect). Default: the system's (64)."},
    {"bgp.neighbor", "bfd", "bool", "Run BFD (RFC 5880/5881, UDP 3784, TTL 255) from `local_address` to the neighbour; Down ends the BGP session at once. Needs `local_address`, IPv4. Default: false."},
};

}  // namespace

std::vector<ConfigKey> bgp_schema_keys(bool with_tunnels) {
  std::vector<ConfigKey> out{{"bgp", "", "", with_tunnels ? kGatewayNote : kRouterNote}};
  for (const auto& k : kBgpKeys)
    if (with_tunnels || k.key != "tunnel") out.push_back(k);
  return out;
}

}  // namespace vpngw
