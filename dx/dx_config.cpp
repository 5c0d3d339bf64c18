#include "dx/dx_config.hpp"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <set>
#include <toml++/toml.h>

#include "common/config/toml_reader.hpp"

namespace vpngw::dx {
namespace {

constexpr uint32_t kLinkLocal = 0xa9fe0000;  // 169.254.0.0/16, where AWS picks private VIF peerings
// A documentation prefix (RFC 3849) stands in for the Amazon-owned IPv6 /125s AWS hands out.
constexpr std::string_view kIpv6Pool = "2001:db8:dc::";

constexpr std::string_view kDedicated[] = {"1Gbps", "10Gbps", "100Gbps", "400Gbps"};
constexpr std::string_view kHosted[] = {"50Mbps", "100Mbps", "200Mbps", "300Mbps", "400Mbps", "500Mbps",
                                        "1Gbps",  "2Gbps",   "5Gbps",   "10Gbps",  "25Gbps"};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string joined(std::span<const std::string_view> items) {
  std::string s;
  for (auto i : items) s += (s.empty() ? "" : ", ") + std::string(i);
  return s;
}

template <class Enum>
Enum read_choice(TableReader& r, const std::string& key, Enum fallback, std::initializer_list<std::pair<std::string_view, Enum>> choices) {
  const auto text = r.string(key);
  if (!text) return fallback;
  std::string names;
  for (const auto& [name, value] : choices) {
    if (*text == name) return value;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  r.fail(key, quoted(*text), "one of " + names);
}

uint32_t random_below(uint32_t n) { return randombytes_uniform(n); }

// AWS generates a key when the customer gives none: letters and digits, as its console shows.
std::string random_auth_key() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  for (int i = 0; i < 24; ++i) key.push_back(kAlphabet[random_below(62)]);
  return key;
}

// A /30 in 169.254.0.0/16 no other VIF in the file uses: AWS's side .1, the customer's .2.
Peering random_ipv4_peering(std::set<std::string>& used) {
  for (;;) {
    const uint32_t network = kLinkLocal | random_below(16384) << 2;
    const auto net = IpAddress::v4_from_host_order(network);
    if (!used.insert(net.to_string()).second) continue;
    return {{IpAddress::v4_from_host_order(network + 1), 30}, {IpAddress::v4_from_host_order(network + 2), 30}};
  }
}

Peering random_ipv6_peering(std::set<std::string>& used) {
  for (;;) {
    auto base = *IpAddress::parse(kIpv6Pool);
    const uint32_t block = random_below(1u << 24) << 3;  // a /125: 8 addresses
    base.bytes[13] = uint8_t(block >> 16), base.bytes[14] = uint8_t(block >> 8), base.bytes[15] = uint8_t(block);
    if (!used.insert(base.to_string()).second) continue;
    auto amazon = base, customer = base;
    amazon.bytes[15] += 1;
    customer.bytes[15] += 2;
    return {{amazon, 125}, {customer, 125}};
  }
}

// An address with its prefix length, e.g. "169.254.10.1/30" (host bits are the point here).
IpPrefix read_peer_address(TableReader& r, const std::string& key, const std::string& text) {
  const auto slash = text.find('/');
  const auto address = slash == std::string::npos ? std::nullopt : IpAddress::parse(text.substr(0, slash));
  int length = -1;
  if (slash != std::string::npos) try {
      length = std::stoi(text.substr(slash + 1));
    } catch (const std::exception&) {
    }
  if (!address || length < 0 || length > (address->v6 ? 128 : 32))
    r.fail(key, quoted(text), "an address with its prefix length, e.g. \"169.254.10.1/30\"");
  return {*address, uint8_t(length)};
}

void read_peering(TableReader& r, VirtualInterface& v, std::set<std::string>& used) {
  const auto amazon = r.string("amazon_address"), customer = r.string("customer_address");
  if (amazon.has_value() != customer.has_value())
    r.fail(amazon ? "customer_address" : "amazon_address", "", "give both peer addresses or neither (AWS then picks them)");
  if (!amazon) {
    if (v.type == VifType::public_vif)
      r.fail("amazon_address", "", "a public VIF needs both peer addresses: public IPv4 addresses the customer owns");
    v.peering = v.address_family == "ipv6" ? random_ipv6_peering(used) : random_ipv4_peering(used);
    return;
  }
  if (v.address_family == "ipv6")
    r.fail("amazon_address", quoted(*amazon), "AWS allocates the /125 of an IPv6 peering itself; leave both addresses out");
  v.peering = {read_peer_address(r, "amazon_address", *amazon), read_peer_address(r, "customer_address", *customer)};
  const auto& a = v.peering.amazon_address;
  if (a.address.v6 || (a.length != 30 && a.length != 31))
    r.fail("amazon_address", quoted(*amazon), "an IPv4 peering is a /30 or a /31");
  const auto& c = v.peering.customer_address;
  if (c.length != a.length || !a.contains(c.address) || a.address == c.address)
    r.fail("customer_address", quoted(*customer), "two different addresses in the amazon_address's /" + std::to_string(a.length));
  if (v.type != VifType::public_vif && (a.address.v4_host_order() & 0xffff0000) != kLinkLocal)
    r.fail("amazon_address", quoted(*amazon), "a private or transit VIF peers in 169.254.0.0/16");
  used.insert(a.address.to_string());
}

void check_auth_key(TableReader& r, const std::string& key) {
  const bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 127; });
  if (key.size() < 6 || key.size() > 80 || !printable)
    r.fail("auth_key", "(" + std::to_string(key.size()) + " characters)", "AWS takes a BGP MD5 key of 6-80 characters without spaces");
}

VirtualInterface read_vif(TableReader& r, const DirectConnectConfig& cfg, std::set<std::string>& ids, std::set<std::string>& used) {
  VirtualInterface v;
  v.id = read_unique_id(r, ids, "virtual interface");
  v.type = read_choice(r, "type", VifType::private_vif,
                       {{"private", VifType::private_vif}, {"transit", VifType::transit}, {"public", VifType::public_vif}});
  v.connection = r.required_string("connection", "the id of the [[dx_connection]] or [[dx_lag]] it runs on");
  if (const auto* c = cfg.connection(v.connection)) {
    if (!c->lag.empty())
      r.fail("connection", quoted(v.connection), "a member of LAG " + quoted(c->lag) + ": a VIF goes on the LAG, not on one of its links");
    v.hosted_on_partner = c->owner == Owner::partner;
  } else if (!cfg.lag(v.connection)) {
    r.fail("connection", quoted(v.connection), "no [[dx_connection]] or [[dx_lag]] has that id");
  }
  if (auto vlan = r.integer("vlan", 1, 4094)) v.vlan = uint16_t(*vlan);
  else r.fail("vlan", "", "missing; the VIF's 802.1Q VLAN, 1-4094, fixed once created");
  if (auto mtu = r.integer("mtu", 1, 65535)) {
    if (auto why = check_vif_mtu(v.type, uint64_t(*mtu))) r.fail("mtu", std::to_string(*mtu), *why);
    v.mtu = uint32_t(*mtu);
  }
  if (auto asn = r.integer("asn", 1, 4294967294)) v.asn = uint32_t(*asn);
  if (auto key = r.string("auth_key")) {
    check_auth_key(r, *key);
    v.auth_key = *key;
  } else {
    v.auth_key = random_auth_key();
  }
  if (auto af = r.string("address_family")) {
    if (*af != "ipv4" && *af != "ipv6") r.fail("address_family", quoted(*af), "ipv4 or ipv6 (one BGP session each)");
    v.address_family = *af;
  }
  read_peering(r, v, used);
  v.direct_connect_gateway = r.string("direct_connect_gateway").value_or("");
  v.virtual_gateway = r.string("virtual_gateway").value_or("");
  v.route_filter_prefixes = parse_prefix_list(r, "route_filter_prefixes");
  if (auto hold = r.integer("hold_time", 3, 65535)) v.hold_time_s = uint16_t(*hold);
  if (auto keepalive = r.integer("keepalive", 1, 21845)) v.keepalive_s = uint16_t(*keepalive);
  if (v.keepalive_s * 3 > v.hold_time_s)
    r.fail("keepalive", std::to_string(v.keepalive_s), "at most a third of hold_time (" + std::to_string(v.hold_time_s) + ")");

  switch (v.type) {
    case VifType::private_vif:
      if (v.direct_connect_gateway.empty() == v.virtual_gateway.empty())
        r.fail("direct_connect_gateway", "", "a private VIF attaches to exactly one of direct_connect_gateway and virtual_gateway");
      break;
    case VifType::transit:
      if (v.direct_connect_gateway.empty()) r.fail("direct_connect_gateway", "", "missing; a transit VIF attaches to a Direct Connect gateway");
      if (!v.virtual_gateway.empty()) r.fail("virtual_gateway", quoted(v.virtual_gateway), "a transit VIF attaches to a Direct Connect gateway only");
      break;
    case VifType::public_vif:
      if (!v.direct_connect_gateway.empty() || !v.virtual_gateway.empty())
        r.fail(v.virtual_gateway.empty() ? "direct_connect_gateway" : "virtual_gateway", "",
               "a public VIF reaches AWS's public endpoints, not a gateway");
      if (v.route_filter_prefixes.empty())
        r.fail("route_filter_prefixes", "", "a public VIF needs the public prefixes the customer will advertise");
      break;
  }
  if (!v.route_filter_prefixes.empty() && v.type != VifType::public_vif)
    r.fail("route_filter_prefixes", "", "only a public VIF has route filter prefixes");
  if (!v.direct_connect_gateway.empty()) {
    const DxGateway* g = cfg.gateway(v.direct_connect_gateway);
    if (!g) r.fail("direct_connect_gateway", quoted(v.direct_connect_gateway), "no [[dx_gateway]] has that id");
    if (v.type == VifType::private_vif && !g->transit_gateways.empty())
      r.fail("direct_connect_gateway", quoted(g->id), "associated with transit gateways: only transit VIFs attach to it");
    if (v.type == VifType::transit && !g->virtual_gateways.empty())
      r.fail("direct_connect_gateway", quoted(g->id), "associated with virtual private gateways: only private VIFs attach to it");
    if (g->amazon_side_asn == v.asn)
      r.fail("asn", std::to_string(v.asn), "equals the Direct Connect gateway's amazon_side_asn; the session is eBGP");
  }
  return v;
}

// Per connection or LAG: VLANs unique, AWS's VIF quotas, a hosted connection's one VIF.
void check_vifs_per_link(const DirectConnectConfig& cfg, const std::string& source) {
  std::map<std::string, std::vector<size_t>> on;
  for (size_t i = 0; i < cfg.vifs.size(); ++i) on[cfg.vifs[i].connection].push_back(i);
  for (const auto& [link, vifs] : on) {
    std::set<uint16_t> vlans;
    size_t transit = 0, others = 0, count = 0;
    for (size_t i : vifs) {
      ++count;
      const auto& v = cfg.vifs[i];
      const std::string key = source + ": key 'dx_vif[" + std::to_string(i) + "].";
      if (!vlans.insert(v.vlan).second)
        throw ConfigError(key + "vlan' = " + std::to_string(v.vlan) + ": another VIF on " + quoted(link) + " has this VLAN; VLANs are unique per connection");
      (v.type == VifType::transit ? transit : others)++;
      const Connection* c = cfg.connection(link);
      if (c && c->type == ConnectionType::hosted && c->owner == Owner::customer && count > 1)
        throw ConfigError(key + "connection' = " + quoted(link) + ": a hosted connection carries one VIF");
      if (transit > 4)
        throw ConfigError(key + "type' = \"transit\": AWS allows 4 transit VIFs per dedicated connection or LAG");
      if (others > 50)
        throw ConfigError(key + "type' = " + quoted(std::string(to_string(v.type))) + ": AWS allows 50 private and public VIFs per dedicated connection or LAG");
    }
  }
}

}  // namespace

std::string_view to_string(VifType t) {
  switch (t) {
    case VifType::private_vif: return "private";
    case VifType::transit: return "transit";
    case VifType::public_vif: return "public";
  }
  return "?";
}

uint32_t amazon_asn(const DirectConnectConfig& model, const VirtualInterface& vif) {
  if (const DxGateway* g = model.gateway(vif.direct_connect_gateway)) return g->amazon_side_asn;
  return DxGateway{}.amazon_side_asn;
}

std::string_view to_string(ConnectionType t) { return t == ConnectionType::dedicated ? "dedicated" : "hosted"; }

const Connection* DirectConnectConfig::connection(const std::string& id) const {
  for (const auto& c : connections)
    if (c.id == id) return &c;
  return nullptr;
}
const Lag* DirectConnectConfig::lag(const std::string& id) const {
  for (const auto& l : lags)
    if (l.id == id) return &l;
  return nullptr;
}
const DxGateway* DirectConnectConfig::gateway(const std::string& id) const {
  for (const auto& g : gateways)
    if (g.id == id) return &g;
  return nullptr;
}

std::optional<uint64_t> parse_bandwidth(std::string_view text) {
  uint64_t unit = 0;
  if (text.ends_with("Mbps")) unit = 1'000'000;
  else if (text.ends_with("Gbps")) unit = 1'000'000'000;
  else return std::nullopt;
  const auto digits = text.substr(0, text.size() - 4);
  if (digits.empty() || digits.size() > 4 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(std::string(digits)) * unit;
}

std::optional<std::string> check_connection_bandwidth(ConnectionType type, std::string_view bandwidth) {
  const auto& allowed = type == ConnectionType::dedicated ? std::span<const std::string_view>(kDedicated) : std::span<const std::string_view>(kHosted);
  if (std::find(allowed.begin(), allowed.end(), bandwidth) != allowed.end()) return std::nullopt;
  return std::string("AWS offers ") + (type == ConnectionType::dedicated ? "dedicated" : "hosted") + " connections of " + joined(allowed);
}

std::optional<std::string> check_dx_gateway_asn(uint64_t asn) {
  if ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000u && asn <= 4294967294u)) return std::nullopt;
  return "AWS allows a Direct Connect gateway ASN of 64512-65534 or 4200000000-4294967294";
}

std::optional<std::string> check_vif_mtu(VifType type, uint64_t mtu) {
  switch (type) {
    case VifType::private_vif:
      if (mtu == 1500 || mtu == 9001) return std::nullopt;
      return "a private VIF's MTU is 1500 or 9001 (jumbo frames)";
    case VifType::transit:
      if (mtu == 1500 || mtu == 8500) return std::nullopt;
      return "a transit VIF's MTU is 1500 or 8500 (jumbo frames)";
    case VifType::public_vif:
      if (mtu == 1500) return std::nullopt;
      return "a public VIF's MTU is 1500";
  }
  return "unknown VIF type";
}

DirectConnectConfig parse_direct_connect(std::string_view toml_text, const std::string& source) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium did not initialise");
  toml::table root = parse_toml(toml_text, source);
  TableReader top(root, "", source);
  DirectConnectConfig cfg;
  std::set<std::string> ids, used_peerings;
  auto each = [&](const std::string& key, auto&& read) { for_each_table(top, key, read); };
  each("dx_lag", [&](TableReader& r) {
    Lag l;
    l.id = read_unique_id(r, ids, "LAG");
    l.connections_bandwidth = r.required_string("connections_bandwidth", "the speed of every link, e.g. \"10Gbps\"");
    if (auto why = check_connection_bandwidth(ConnectionType::dedicated, l.connections_bandwidth))
      r.fail("connections_bandwidth", quoted(l.connections_bandwidth), "a LAG bundles dedicated connections: " + *why);
    if (auto m = r.integer("minimum_links", 0, 4)) l.minimum_links = uint32_t(*m);
    cfg.lags.push_back(l);
  });
  each("dx_connection", [&](TableReader& r) {
    Connection c;
    c.id = read_unique_id(r, ids, "connection");
    c.type = read_choice(r, "type", ConnectionType::dedicated, {{"dedicated", ConnectionType::dedicated}, {"hosted", ConnectionType::hosted}});
    c.owner = read_choice(r, "owner", Owner::customer, {{"customer", Owner::customer}, {"partner", Owner::partner}});
    c.bandwidth = r.required_string("bandwidth", "the port speed, e.g. \"10Gbps\" or (hosted) \"50Mbps\"");
    if (auto why = check_connection_bandwidth(c.type, c.bandwidth)) r.fail("bandwidth", quoted(c.bandwidth), *why);
    c.bits_per_second = *parse_bandwidth(c.bandwidth);
    c.lag = r.string("lag").value_or("");
    if (!c.lag.empty()) {
      const Lag* l = cfg.lag(c.lag);
      if (!l) r.fail("lag", quoted(c.lag), "no [[dx_lag]] has that id");
      if (c.type != ConnectionType::dedicated) r.fail("lag", quoted(c.lag), "only dedicated connections join a LAG");
      if (c.bandwidth != l->connections_bandwidth)
        r.fail("bandwidth", quoted(c.bandwidth), "the LAG's links are all " + l->connections_bandwidth);
      const auto members = std::count_if(cfg.connections.begin(), cfg.connections.end(), [&](const Connection& o) { return o.lag == c.lag; });
      const size_t limit = c.bits_per_second >= 100'000'000'000ull ? 2 : 4;
      if (size_t(members) + 1 > limit)
        r.fail("lag", quoted(c.lag), "AWS allows " + std::to_string(limit) + " links in a LAG of " + c.bandwidth + " connections");
    }
    cfg.connections.push_back(c);
  });
  for (size_t i = 0; i < cfg.lags.size(); ++i) {
    const auto& l = cfg.lags[i];
    const auto members = size_t(std::count_if(cfg.connections.begin(), cfg.connections.end(), [&](const Connection& c) { return c.lag == l.id; }));
    if (members == 0) throw ConfigError(source + ": key 'dx_lag[" + std::to_string(i) + "]': no [[dx_connection]] names this LAG");
    if (l.minimum_links > members)
      throw ConfigError(source + ": key 'dx_lag[" + std::to_string(i) + "].minimum_links' = " + std::to_string(l.minimum_links) +
                        ": more than the LAG's " + std::to_string(members) + " links");
  }
  each("dx_gateway", [&](TableReader& r) {
    DxGateway g;
    g.id = read_unique_id(r, ids, "Direct Connect gateway");
    if (auto asn = r.integer("amazon_side_asn", 0, 4294967295)) {
      if (auto why = check_dx_gateway_asn(uint64_t(*asn))) r.fail("amazon_side_asn", std::to_string(*asn), *why);
      g.amazon_side_asn = uint32_t(*asn);
    }
    g.virtual_gateways = parse_string_list(r, "virtual_gateways", "virtual private gateway ids", [](const std::string& s) { return s; });
    g.transit_gateways = parse_string_list(r, "transit_gateways", "transit gateway ids", [](const std::string& s) { return s; });
    if (!g.virtual_gateways.empty() && !g.transit_gateways.empty())
      r.fail("transit_gateways", "", "a Direct Connect gateway is associated with virtual private gateways or with transit gateways, not both");
    cfg.gateways.push_back(g);
  });
  each("dx_vif", [&](TableReader& r) { cfg.vifs.push_back(read_vif(r, cfg, ids, used_peerings)); });
  top.reject_unknown();
  check_vifs_per_link(cfg, source);
  return cfg;
}

DirectConnectConfig load_direct_connect(const std::string& path) { return parse_direct_connect(read_config_file(path), path); }

}  // namespace vpngw::dx
