#include "lab/topology.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "clientvpn/endpoint_config.hpp"
#include "proto/bgp/message.hpp"
#include "s2s/vpn_config.hpp"
#include "common/config/toml_reader.hpp"

namespace vpngw::lab {
namespace {

// Node names the lab itself uses; hosts and clients take any other.
const std::set<std::string> kFixedNodes{"net", "cgw", "t1", "t2", "vgw", "router", "cvpn"};
// Names of files the lab keeps next to the clients' (NAME.log, pki/NAME.crt): a client so named
// would overwrite the endpoint's log or the server's certificate.
const std::set<std::string> kFileNames{"server", "ca", "crl", "endpoint", "dnsmasq"};
const std::set<std::string> kModelTables{"customer_gateway", "vpn_gateway", "transit_gateway", "vpn_connection"};
const std::set<std::string> kDxTables{"dx_connection", "dx_lag", "dx_gateway", "dx_vif"};
constexpr size_t kMaxVpcs = 4, kMaxSubnets = 4, kMaxHosts = 16, kMaxClients = 16;

IpAddress nth(const IpPrefix& p, uint32_t n) { return IpAddress::v4_from_host_order(p.address.v4_host_order() + n); }
uint32_t size_of(const IpPrefix& p) { return p.length == 0 ? 0 : uint32_t(1) << (32 - p.length); }
bool overlaps(const IpPrefix& a, const IpPrefix& b) { return a.contains(b.address) || b.contains(a.address); }
std::string quoted(const std::string& s) { return "\"" + s + "\""; }

IpPrefix v4_prefix(TableReader& r, const std::string& key, const std::string& text) {
  IpPrefix p = parse_prefix(r, key, text);
  if (p.address.v6) r.fail(key, quoted(text), "the lab is IPv4 only");
  return p;
}

// A node is a namespace "<prefix>-<name>" and names interfaces ("h-<name>"): short, plain.
void check_node_name(TableReader& r, const std::string& key, const std::string& name, std::set<std::string>& taken,
                     bool lab_names_reserved = true) {
  const bool plain = !name.empty() && name.size() <= 12 && name[0] >= 'a' && name[0] <= 'z' &&
                     name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos;
  if (!plain) r.fail(key, quoted(name), "a node name: a lowercase letter, then letters or digits, at most 12");
  if (lab_names_reserved && kFixedNodes.count(name)) r.fail(key, quoted(name), "taken by the lab (net, cgw, t1, t2, vgw, router, cvpn)");
  if (kFileNames.count(name)) r.fail(key, quoted(name), "taken by the lab's files (server, ca, crl, endpoint, dnsmasq)");
  if (!taken.insert(name).second) r.fail(key, quoted(name), "node names must be unique");
}

void read_lab(TableReader& top, Topology& t, const std::string& source) {
  if (const auto* lab = top.table("lab")) {
    TableReader r(*lab, "lab", source);
    t.name = r.string("name").value_or("");
    t.description = r.string("description").value_or("");
    if (t.description.find('\n') != std::string::npos) r.fail("description", "", "one line");
    r.reject_unknown();
  }
  if (t.name.empty()) t.name = "lab";
}

void read_onprem(TableReader& top, Topology& t, const std::string& source) {
  const auto* onprem = top.table("onprem");
  if (!onprem) return;
  TableReader r(*onprem, "onprem", source);
  t.onprem_cidr = v4_prefix(r, "cidr", r.required_string("cidr", "the on-prem network the customer gateway announces"));
  if (auto lan = r.string("lan")) {
    t.onprem_lan = v4_prefix(r, "lan", *lan);
    if (!t.onprem_cidr->contains(t.onprem_lan->address) || t.onprem_lan->length < t.onprem_cidr->length)
      r.fail("lan", quoted(*lan), "must lie inside cidr " + t.onprem_cidr->to_string());
  } else {
    t.onprem_lan = IpPrefix{t.onprem_cidr->address, uint8_t(std::max<int>(t.onprem_cidr->length, 24))};
  }
  if (t.onprem_lan->length > 29) r.fail("lan", quoted(t.onprem_lan->to_string()), "at least a /29 (the gateway and hosts)");
  r.reject_unknown();
}

void read_vpcs(TableReader& top, Topology& t, const std::string& source) {
  const auto* vpcs = top.array_of_tables("vpc");
  if (!vpcs) return;
  if (vpcs->size() > kMaxVpcs) top.fail("vpc", std::to_string(vpcs->size()) + " VPCs", "the lab holds at most 4");
  std::set<std::string> ids;
  for (size_t i = 0; i < vpcs->size(); ++i) {
    TableReader r(*vpcs->get(i)->as_table(), "vpc[" + std::to_string(i) + "]", source);
    Vpc v;
    v.id = r.required_string("id", "a name for the VPC, e.g. \"vpc-1\"");
    if (!ids.insert(v.id).second) r.fail("id", quoted(v.id), "VPC ids must be unique");
    v.cidr = v4_prefix(r, "cidr", r.required_string("cidr", "the VPC's CIDR block, /16 to /28 (AWS)"));
    if (v.cidr.length < 16 || v.cidr.length > 28) r.fail("cidr", quoted(v.cidr.to_string()), "AWS allows /16 to /28");
    for (const auto& other : t.vpcs)
      if (overlaps(other.cidr, v.cidr)) r.fail("cidr", quoted(v.cidr.to_string()), "overlaps " + other.id + " " + other.cidr.to_string());
    if (t.onprem_cidr && overlaps(*t.onprem_cidr, v.cidr))
      r.fail("cidr", quoted(v.cidr.to_string()), "overlaps the on-prem cidr " + t.onprem_cidr->to_string());
    const toml::node* list = r.node("subnets");
    const toml::array* arr = list ? list->as_array() : nullptr;
    if (!arr || arr->empty()) r.fail("subnets", "", "a list of at least one subnet CIDR, e.g. [\"10.1.0.0/24\"]");
    if (arr->size() > kMaxSubnets) r.fail("subnets", std::to_string(arr->size()) + " subnets", "the lab holds at most 4 per VPC");
    for (const auto& e : *arr) {
      auto s = e.value_exact<std::string>();
      if (!s) r.fail("subnets", TableReader::describe(e), "each entry must be a CIDR string");
      IpPrefix p = v4_prefix(r, "subnets", *s);
      if (!v.cidr.contains(p.address) || p.length < v.cidr.length) r.fail("subnets", quoted(*s), "must lie inside the VPC's cidr " + v.cidr.to_string());
      if (p.length > 28) r.fail("subnets", quoted(*s), "AWS subnets are /16 to /28");
      for (const auto& sub : t.subnets)
        if (overlaps(sub.cidr, p)) r.fail("subnets", quoted(*s), "overlaps subnet " + sub.cidr.to_string());
      v.subnets.push_back(p);
      t.subnets.push_back({"s" + std::to_string(t.subnets.size()), p, v.id});
    }
    r.reject_unknown();
    t.vpcs.push_back(v);
  }
}

// AWS reserves a subnet's first four addresses (network, VPC router, DNS, future use) and its last.
bool aws_reserved(const IpPrefix& subnet, const IpAddress& a) {
  const uint32_t off = a.v4_host_order() - subnet.address.v4_host_order();
  return off < 4 || off == size_of(subnet) - 1;
}

void read_hosts(TableReader& top, Topology& t, const std::string& source, std::set<std::string>& names) {
  const auto* hosts = top.table("hosts");
  if (!hosts) return;
  TableReader r(*hosts, "hosts", source);
  std::set<uint32_t> used;
  for (const auto& [k, v] : *hosts) {
    const std::string name(k.str());
    const std::string text = *r.string(name);  // present: the loop walks the table's own keys
    check_node_name(r, name, name, names);
    Host h{name, parse_address(r, name, text), ""};
    if (h.address.v6) r.fail(name, quoted(text), "the lab is IPv4 only");
    if (!used.insert(h.address.v4_host_order()).second) r.fail(name, quoted(text), "another host has this address");
    if (t.onprem_lan && t.onprem_lan->contains(h.address)) {
      const uint32_t off = h.address.v4_host_order() - t.onprem_lan->address.v4_host_order();
      if (off < 2 || off == size_of(*t.onprem_lan) - 1)
        r.fail(name, quoted(text), "the LAN's network, broadcast and first address (the customer gateway) are taken");
      h.segment = "lan";
    }
    for (const auto& s : t.subnets) {
      if (!s.cidr.contains(h.address)) continue;
      if (aws_reserved(s.cidr, h.address))
        r.fail(name, quoted(text), "AWS reserves the first four and the last address of subnet " + s.cidr.to_string());
      h.segment = s.bridge;
    }
    if (h.segment.empty()) r.fail(name, quoted(text), "must lie in the on-prem lan or a VPC subnet");
    t.hosts.push_back(h);
  }
  if (t.hosts.size() > kMaxHosts) top.fail("hosts", std::to_string(t.hosts.size()) + " hosts", "the lab holds at most 16");
  r.reject_unknown();
}

// The connection's model: the file's AWS tables, handed to the same parser `vpngw s2s` uses.
void read_site_to_site(TableReader& top, const toml::table& root, Topology& t, const std::string& source) {
  toml::table model;
  for (const auto& [k, v] : root)
    if (kModelTables.count(std::string(k.str()))) {
      top.node(std::string(k.str()));
      model.insert(k, v);
    }
  const auto* knobs = top.table("site_to_site");
  if (model.empty()) {
    if (knobs) top.fail("site_to_site", "", "there is no [[vpn_connection]] to apply it to");
    return;
  }
  std::ostringstream text;
  text << toml::toml_formatter(model);
  const auto cfg = s2s::parse_site_to_site(text.str(), source + " (Site-to-Site model)");
  if (cfg.vpn_connections.size() != 1)
    top.fail("vpn_connection", std::to_string(cfg.vpn_connections.size()) + " connections", "the lab builds exactly one");
  const auto& c = cfg.vpn_connections[0];
  SiteToSite s;
  s.model = cfg;
  s.connection = c.id;
  s.customer_gateway = c.customer_gateway;
  for (const auto& g : cfg.customer_gateways)
    if (g.id == c.customer_gateway) s.customer_outside = g.ip_address;
  const auto internet = *IpPrefix::parse(kInternet);
  const uint32_t host = s.customer_outside.v4_host_order() - internet.address.v4_host_order();
  if (!internet.contains(s.customer_outside) || host < 2 || host > 10)
    top.fail("customer_gateway", quoted(s.customer_outside.to_string()),
             "in the lab the customer gateway's ip_address is on the lab internet, 198.51.100.2 to .10");
  s.kind = c.static_routes_only ? "static" : c.transit_gateway.empty() ? "vgw" : "tgw";
  if (!t.onprem_cidr) top.fail("onprem", "", "missing; a VPN connection needs the on-prem site ([onprem] cidr)");
  if (t.vpcs.empty()) top.fail("vpc", "", "missing; a VPN connection needs a VPC ([[vpc]])");
  if (s.kind != "tgw" && t.vpcs.size() > 1)
    top.fail("vpc", std::to_string(t.vpcs.size()) + " VPCs", "a virtual private gateway attaches to one VPC (use a transit gateway)");
  if (c.static_routes_only) {
    const bool routed = std::any_of(c.routes.begin(), c.routes.end(), [&](const IpPrefix& p) { return p == *t.onprem_cidr; });
    if (!routed) top.fail("vpn_connection", "", "a static connection in the lab needs the on-prem cidr " + t.onprem_cidr->to_string() + " in routes");
  }
  if (knobs) {
    TableReader r(*knobs, "site_to_site", source);
    if (auto ms = r.integer("bfd_ms", 50, 10000)) s.bfd_interval_ms = uint32_t(*ms);
    if (auto hold = r.integer("hold_time", 3, 65535)) {
      s.bgp_hold_time = uint16_t(*hold);
      s.bgp_keepalive = uint16_t(*hold / 3);
    }
    s.customer_multipath = r.boolean("customer_multipath").value_or(false);
    s.aws_limits = r.boolean("aws_limits").value_or(s.aws_limits);
    if (const toml::node* n = r.node("customer_prepend")) {
      const toml::array* arr = n->as_array();
      if (!arr || arr->size() != 2) r.fail("customer_prepend", TableReader::describe(*n), "two counts, one per tunnel, e.g. [2, 0]");
      for (size_t i = 0; i < 2; ++i) {
        const auto count = arr->get(i)->value_exact<int64_t>();
        if (!count || *count < 0 || *count > 10) r.fail("customer_prepend", TableReader::describe(*arr->get(i)), "0 to 10 extra copies of the ASN");
        s.customer_prepend[i] = uint8_t(*count);
      }
    }
    r.reject_unknown();
  }
  t.s2s = s;
}

// Direct Connect: the file's DX tables, handed to the parser `vpngw dx check` uses; each connection
// a VIF runs on (a LAG's first member for a VIF on a LAG) gets a link; [direct_connect] holds the
// customer router's knobs.
void read_direct_connect(TableReader& top, const toml::table& root, Topology& t, const std::string& source) {
  toml::table model;
  for (const auto& [k, v] : root)
    if (kDxTables.count(std::string(k.str()))) {
      top.node(std::string(k.str()));
      model.insert(k, v);
    }
  const auto* knobs = top.table("direct_connect");
  if (model.empty()) {
    if (knobs) top.fail("direct_connect", "", "there is no [[dx_vif]] to apply it to");
    return;
  }
  std::ostringstream text;
  text << toml::toml_formatter(model);
  DirectConnect d;
  d.model = dx::parse_direct_connect(text.str(), source + " (Direct Connect model)");
  if (d.model.vifs.empty()) top.fail("dx_vif", "", "missing; a Direct Connect lab needs at least one VIF");
  for (const auto& v : d.model.vifs) {
    std::string conn = v.connection;
    if (d.model.lag(conn))
      for (const auto& c : d.model.connections)
        if (c.lag == conn) {
          conn = c.id;
          break;
        }
    if (std::find(d.linked.begin(), d.linked.end(), conn) == d.linked.end()) d.linked.push_back(conn);
    if (v.address_family != "ipv4") top.fail("dx_vif", quoted(v.id), "the lab is IPv4 only (address_family = \"ipv4\")");
    if (v.type == dx::VifType::transit || v.type == dx::VifType::public_vif)
      top.fail("dx_vif", quoted(v.id), "the lab builds private VIFs to a virtual private gateway (transit and public VIFs: not yet)");
    if (amazon_asn(d.model, v) != amazon_asn(d.model, d.model.vifs.front()))
      top.fail("dx_vif", quoted(v.id), "every VIF of the lab has the same AWS-side ASN (one Direct Connect gateway)");
  }
  if (!t.onprem_cidr) top.fail("onprem", "", "missing; Direct Connect needs the on-prem site ([onprem] cidr)");
  if (t.vpcs.size() != 1) top.fail("vpc", std::to_string(t.vpcs.size()) + " VPCs", "a Direct Connect lab has one VPC behind its virtual private gateway");
  for (size_t i = 0; i < d.linked.size(); ++i) d.customer.links.push_back({d.linked[i], "dx" + std::to_string(i)});
  d.customer.announce = {*t.onprem_cidr};
  d.customer.name = "cgw";
  if (knobs) {
    TableReader r(*knobs, "direct_connect", source);
    d.customer.bfd = r.boolean("customer_bfd").value_or(false);
    if (auto ms = r.integer("bfd_ms", 300, 10000)) d.customer.bfd_interval_ms = uint32_t(*ms);
    if (auto lp = r.integer("customer_local_pref", 0, 4294967295)) d.customer.local_pref = uint32_t(*lp);
    auto vif_known = [&](const std::string& key, const std::string& id) {
      if (std::none_of(d.model.vifs.begin(), d.model.vifs.end(), [&](const dx::VirtualInterface& v) { return v.id == id; }))
        r.fail(key, quoted(id), "no [[dx_vif]] has that id");
    };
    if (auto preferred = r.string("customer_preferred_vif")) {
      vif_known("customer_preferred_vif", *preferred);
      d.customer.preferred_vif = *preferred;
    }
    if (auto router = r.string("customer_router")) {
      if (*router != "vpngw" && *router != "bird") r.fail("customer_router", quoted(*router), "vpngw or bird");
      d.customer_router = *router;
    }
    if (const auto* comms = r.table("customer_communities")) {
      TableReader c(*comms, r.full("customer_communities"), source);
      for (const auto& [k, v] : *comms) {
        const std::string id(k.str());
        vif_known("customer_communities", id);
        d.customer.communities[id] = parse_string_list(c, id, "communities, e.g. [\"7224:7300\"]", [&](const std::string& text) {
          auto community = bgp::parse_community(text);
          if (!community) c.fail(id, quoted(text), "a community \"ASN:VALUE\", both 0-65535");
          return *community;
        });
      }
    }
    if (const auto* prepends = r.table("customer_prepend")) {
      TableReader c(*prepends, r.full("customer_prepend"), source);
      for (const auto& [k, v] : *prepends) {
        const std::string id(k.str());
        vif_known("customer_prepend", id);
        d.customer.prepend[id] = uint8_t(*c.integer(id, 0, 10));
      }
    }
    r.reject_unknown();
  }
  if (t.s2s && t.s2s->kind != "vgw") top.fail("vpn_connection", "", "with Direct Connect the lab's VPN goes to the same virtual private gateway");
  if (t.s2s && d.customer_router == "bird")
    top.fail("direct_connect", "customer_router = \"bird\"", "with a VPN the customer gateway (vpngw) also runs the Direct Connect sessions");
  t.dx = std::move(d);
}

// [client_vpn]: the endpoint's own keys, copied into the config `vpngw clientvpn serve` reads, and
// the lab's clients. The lab fills in where the endpoint sits (listen, vpc_cidr, its PKI and log).
void read_client_vpn(TableReader& top, Topology& t, const std::string& source, const std::string& work_dir,
                     std::set<std::string>& names) {
  const auto* cv = top.table("client_vpn");
  if (!cv) return;
  TableReader r(*cv, "client_vpn", source);
  // id and region are always written: the lab's DNS answers for the name they make.
  toml::table endpoint{{"listen", std::string(kEndpointOutside)}, {"connection_log", work_dir + "/connections.jsonl"},
                       {"id", "cvpn-endpoint-0123456789abcdef0"}, {"region", "us-east-1"}};
  for (const char* key : {"id", "region", "transport", "port", "client_cidr", "split_tunnel", "session_timeout_hours",
                          "data_ciphers", "key_derivation", "dns_servers", "max_connections"}) {
    if (const toml::node* n = r.node(key)) endpoint.insert_or_assign(key, *n);
  }
  toml::array networks, rules, routes;
  ClientVpn out;
  const Vpc* vpc = nullptr;
  if (const auto* nets = r.array_of_tables("target_network")) {
    for (size_t i = 0; i < nets->size(); ++i) {
      TableReader n(*nets->get(i)->as_table(), r.full("target_network[" + std::to_string(i) + "]"), source);
      const IpPrefix subnet = v4_prefix(n, "subnet", n.required_string("subnet", "one of the VPC's subnets"));
      auto s = std::find_if(t.subnets.begin(), t.subnets.end(), [&](const Subnet& x) { return x.cidr == subnet; });
      if (s == t.subnets.end()) n.fail("subnet", quoted(subnet.to_string()), "must be one of the [[vpc]] subnets");
      const Vpc* owner = &*std::find_if(t.vpcs.begin(), t.vpcs.end(), [&](const Vpc& v) { return v.id == s->vpc; });
      if (vpc && vpc != owner) n.fail("subnet", quoted(subnet.to_string()), "an endpoint's subnets all belong to one VPC (" + vpc->id + ")");
      vpc = owner;
      // Default ENI address: the subnet's first address AWS does not reserve that no host holds.
      IpAddress eni = nth(subnet, 4);
      while (std::any_of(t.hosts.begin(), t.hosts.end(), [&](const Host& h) { return h.address == eni; }))
        eni = IpAddress::v4_from_host_order(eni.v4_host_order() + 1);
      if (auto a = n.string("eni_address")) eni = parse_address(n, "eni_address", *a);
      for (const auto& h : t.hosts)
        if (h.address == eni) n.fail("eni_address", quoted(eni.to_string()), "host " + h.name + " has this address");
      if (!subnet.contains(eni) || aws_reserved(subnet, eni))
        n.fail("eni_address", quoted(eni.to_string()), "an address of " + subnet.to_string() + " AWS does not reserve");
      n.reject_unknown();
      const std::string device = "eni" + std::to_string(i);
      networks.push_back(toml::table{{"subnet", subnet.to_string()}, {"eni_device", device}, {"eni_address", eni.to_string()}});
      out.enis.emplace_back(device, s->bridge);
    }
  }
  if (!vpc) r.fail("target_network", "", "missing; at least one [[client_vpn.target_network]] with a VPC subnet");
  endpoint.insert("vpc_cidr", vpc->cidr.to_string());
  if (const auto* arr = r.array_of_tables("authorization_rule")) rules = *arr;
  if (const auto* arr = r.array_of_tables("route")) routes = *arr;
  if (const auto* clients = r.array_of_tables("client")) {
    if (clients->size() > kMaxClients) r.fail("client", std::to_string(clients->size()) + " clients", "the lab holds at most 16");
    for (size_t i = 0; i < clients->size(); ++i) {
      TableReader c(*clients->get(i)->as_table(), r.full("client[" + std::to_string(i) + "]"), source);
      Client client;
      client.name = c.required_string("name", "the client's node name (and certificate CN)");
      check_node_name(c, "name", client.name, names);
      client.group = c.string("group").value_or("");
      if (client.group.find_first_of(" \t\"'\\,/=") != std::string::npos || client.group.size() > 64)
        c.fail("group", quoted(client.group), "a group name (the certificate's OU) without spaces, quotes, commas, / or =");
      client.outside = nth(*IpPrefix::parse(kInternet), 101 + uint32_t(i));
      c.reject_unknown();
      out.clients.push_back(client);
    }
  }
  r.reject_unknown();
  toml::table file{{"endpoint", endpoint},
                   {"tls", toml::table{{"ca", "pki/ca.crt"}, {"cert", "pki/server.crt"}, {"key", "pki/server.key"}, {"crl", "pki/crl.pem"}}},
                   {"target_network", networks}};
  if (!rules.empty()) file.insert("authorization_rule", rules);
  if (!routes.empty()) file.insert("route", routes);
  std::ostringstream text;
  text << toml::toml_formatter(file);
  t.endpoint_toml = text.str();
  // The endpoint's own parser has AWS's rules (client CIDR, quotas, route targets): a topology that
  // breaks one fails here, with the key it names under [client_vpn].
  try {
    (void)parse_clientvpn_config(t.endpoint_toml, source + " [client_vpn]", work_dir);
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    for (const std::string from : {"key 'endpoint.", "key '"}) {
      if (auto at = msg.find(from); at != std::string::npos) {
        msg.replace(at, from.size(), "key 'client_vpn.");
        break;
      }
    }
    throw ConfigError(msg);
  }
  const auto client_cidr = IpPrefix::parse(endpoint["client_cidr"].value_or(std::string()));
  if (t.onprem_cidr && client_cidr && overlaps(*t.onprem_cidr, *client_cidr))
    r.fail("client_cidr", quoted(client_cidr->to_string()), "must not overlap the on-prem cidr " + t.onprem_cidr->to_string());
  t.client_vpn = out;
}

// A device name the kernel takes: 1 to 15 characters, no slash, colon or space.
std::string device_name(TableReader& r, const std::string& key) {
  const std::string name = r.required_string(key, "a network device name");
  if (name.empty() || name.size() > 15 || name.find_first_of("/: \t") != std::string::npos || name == "lo")
    r.fail(key, quoted(name), "a device name of 1 to 15 characters without '/', ':' or spaces (not lo)");
  return name;
}

InterfaceAddress interface_address(TableReader& r, const std::string& key, const std::string& text) {
  const size_t slash = text.find('/');
  const auto ip = IpAddress::parse(text.substr(0, slash));
  int length = -1;
  if (slash != std::string::npos && slash + 1 < text.size() && text.find_first_not_of("0123456789", slash + 1) == std::string::npos)
    length = std::stoi(text.substr(slash + 1, 3));
  if (!ip || ip->v6 || length < 0 || length > 32) r.fail(key, quoted(text), "an IPv4 address with its prefix length, e.g. \"10.1.0.1/24\"");
  return {*ip, uint8_t(length)};
}

std::vector<InterfaceAddress> address_list(TableReader& r, const std::string& key) {
  return parse_string_list(r, key, "addresses with prefix lengths, e.g. [\"10.0.0.1/24\"]",
                           [&](const std::string& text) { return interface_address(r, key, text); });
}

VethEnd link_end(TableReader& link, const std::string& key, const std::string& source) {
  const toml::table* t = link.table(key);
  if (!t) link.fail(key, "", "an end: { node = \"...\", device = \"...\", address = \"10.0.0.1/24\" (optional), bridge = \"...\" (optional) }");
  TableReader r(*t, link.full(key), source);
  VethEnd e;
  e.node = r.required_string("node", "the node this end is in");
  e.device = device_name(r, "device");
  if (auto a = r.string("address")) e.address = interface_address(r, "address", *a);
  e.bridge = r.string("bridge").value_or("");
  r.reject_unknown();
  return e;
}

// [[node]], [[bridge]], [[link]], [[route]]: a network the topology wires itself. Checked once
// every node is known (the lab's own, hosts, clients), so a link may end at any of them.
void read_wiring(TableReader& top, Topology& t, const std::string& source, std::set<std::string>& names) {
  if (const auto* nodes = top.array_of_tables("node")) {
    for (size_t i = 0; i < nodes->size(); ++i) {
      TableReader r(*nodes->get(i)->as_table(), "node[" + std::to_string(i) + "]", source);
      Node n;
      n.name = r.required_string("name", "the node's name (its namespace is <prefix>-<name>)");
      check_node_name(r, "name", n.name, names, false);  // the lab's own names: see check_wiring
      n.forward = r.boolean("forward").value_or(false);
      n.loopback = address_list(r, "loopback");
      r.reject_unknown();
      t.wiring.nodes.push_back(n);
    }
  }
  if (const auto* bridges = top.array_of_tables("bridge")) {
    for (size_t i = 0; i < bridges->size(); ++i) {
      TableReader r(*bridges->get(i)->as_table(), "bridge[" + std::to_string(i) + "]", source);
      Bridge b;
      b.node = r.required_string("node", "the node the bridge is in");
      b.name = device_name(r, "name");
      b.addresses = address_list(r, "addresses");
      r.reject_unknown();
      t.wiring.bridges.push_back(b);
    }
  }
  if (const auto* links = top.array_of_tables("link")) {
    for (size_t i = 0; i < links->size(); ++i) {
      TableReader r(*links->get(i)->as_table(), "link[" + std::to_string(i) + "]", source);
      Veth v{link_end(r, "a", source), link_end(r, "b", source)};
      r.reject_unknown();
      t.wiring.veths.push_back(v);
    }
  }
  if (const auto* routes = top.array_of_tables("route")) {
    for (size_t i = 0; i < routes->size(); ++i) {
      TableReader r(*routes->get(i)->as_table(), "route[" + std::to_string(i) + "]", source);
      StaticRoute rt;
      rt.node = r.required_string("node", "the node whose table gets the route");
      rt.prefix = v4_prefix(r, "prefix", r.required_string("prefix", "a destination prefix, \"0.0.0.0/0\" for the default"));
      rt.via = parse_address(r, "via", r.required_string("via", "a next hop on one of the node's subnets"));
      r.reject_unknown();
      t.wiring.routes.push_back(rt);
    }
  }
}

// Every wired piece names nodes and bridges that exist, and no device twice in a node.
void check_wiring(TableReader& top, const Topology& t) {
  std::set<std::string> placed;  // the nodes the lab places itself (lab/network_plan.hpp)
  if (t.s2s || t.client_vpn) placed.insert("net");
  if (t.s2s) placed.insert({"cgw", "t1", "t2", "vgw"});
  if (t.dx) placed.insert({"cgw", "vgw"});
  if (!t.s2s && !t.dx && !t.subnets.empty()) placed.insert("router");
  if (t.client_vpn) placed.insert("cvpn");
  for (size_t i = 0; i < t.wiring.nodes.size(); ++i)
    if (placed.count(t.wiring.nodes[i].name))
      top.fail("node[" + std::to_string(i) + "]", quoted(t.wiring.nodes[i].name), "taken by a node this lab places itself");
  std::set<std::string> nodes = placed;
  if (t.client_vpn)
    for (const auto& c : t.client_vpn->clients) nodes.insert(c.name);
  for (const auto& h : t.hosts) nodes.insert(h.name);
  for (const auto& n : t.wiring.nodes) nodes.insert(n.name);
  std::set<std::pair<std::string, std::string>> devices, bridges;
  for (size_t i = 0; i < t.wiring.bridges.size(); ++i) {
    const auto& b = t.wiring.bridges[i];
    const std::string key = "bridge[" + std::to_string(i) + "]";
    if (!nodes.count(b.node)) top.fail(key, quoted(b.node), "a node of the lab");
    if (!devices.insert({b.node, b.name}).second) top.fail(key, quoted(b.name), "a device name not used twice in node " + b.node);
    bridges.insert({b.node, b.name});
  }
  for (size_t i = 0; i < t.wiring.veths.size(); ++i) {
    const std::string key = "link[" + std::to_string(i) + "]";
    for (const VethEnd* e : {&t.wiring.veths[i].a, &t.wiring.veths[i].b}) {
      if (!nodes.count(e->node)) top.fail(key, quoted(e->node), "a node of the lab");
      if (!devices.insert({e->node, e->device}).second) top.fail(key, quoted(e->device), "a device name not used twice in node " + e->node);
      if (!e->bridge.empty() && !bridges.count({e->node, e->bridge}))
        top.fail(key, quoted(e->bridge), "a [[bridge]] in node " + e->node);
    }
  }
  for (size_t i = 0; i < t.wiring.routes.size(); ++i)
    if (!nodes.count(t.wiring.routes[i].node)) top.fail("route[" + std::to_string(i) + "]", quoted(t.wiring.routes[i].node), "a node of the lab");
}

}  // namespace

Topology parse_topology(std::string_view toml_text, const std::string& source, const std::string& work_dir) {
  const toml::table root = parse_toml(toml_text, source);
  TableReader top(root, "", source);
  Topology t;
  std::set<std::string> names;
  read_lab(top, t, source);
  read_onprem(top, t, source);
  read_vpcs(top, t, source);
  read_hosts(top, t, source, names);
  read_site_to_site(top, root, t, source);
  read_client_vpn(top, t, source, work_dir, names);
  read_direct_connect(top, root, t, source);
  read_wiring(top, t, source, names);
  top.reject_unknown();
  if (!t.s2s && !t.client_vpn && !t.dx && t.wiring.nodes.empty())
    top.fail("vpn_connection", "", "a lab needs a [[vpn_connection]], a [[dx_vif]], a [client_vpn], its own [[node]]s, or some of them");
  check_wiring(top, t);
  if (t.vpcs.size() > 1 && !(t.s2s && t.s2s->kind == "tgw"))
    top.fail("vpc", std::to_string(t.vpcs.size()) + " VPCs", "several VPCs need a transit gateway between them");
  for (const auto& h : t.hosts)
    if (h.segment == "lan" && !t.s2s && !t.dx) top.fail("hosts", h.name, "on-prem hosts need a VPN connection or Direct Connect to reach anything");
  return t;
}

Topology load_topology(const std::string& path, const std::string& work_dir) {
  return parse_topology(read_config_file(path), path, work_dir);
}

}  // namespace vpngw::lab
