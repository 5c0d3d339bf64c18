#include "clientvpn/endpoint_config.hpp"

#include <set>

#include "proto/openvpn/data_keys.hpp"
#include "common/config/toml_reader.hpp"

namespace vpngw {
namespace {

bool overlaps(const IpPrefix& a, const IpPrefix& b) { return a.contains(b.address) || b.contains(a.address); }

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

IpPrefix v4_prefix(TableReader& r, const std::string& key, const std::string& text) {
  IpPrefix p = parse_prefix(r, key, text);
  if (p.address.v6) r.fail(key, "\"" + text + "\"", "an IPv4 prefix (the endpoint offers IPv4 only)");
  return p;
}

void parse_endpoint(TableReader& r, ClientVpnConfig& cfg) {
  if (auto id = r.string("id")) {
    if (id->rfind("cvpn-endpoint-", 0) != 0 || id->size() < 15)
      r.fail("id", "\"" + *id + "\"", "AWS's form cvpn-endpoint-<hex>, e.g. \"cvpn-endpoint-0123456789abcdef0\"");
    cfg.id = *id;
  }
  if (auto region = r.string("region")) cfg.region = *region;
  cfg.listen = parse_address(r, "listen", r.required_string("listen", "the endpoint's outside IPv4 address"));
  if (auto t = r.string("transport")) {
    if (*t != "udp" && *t != "tcp") r.fail("transport", "\"" + *t + "\"", "\"udp\" (AWS's default) or \"tcp\"");
    cfg.transport = *t;
  }
  if (auto port = r.integer("port", 1, 65535)) {
    if (*port != 443 && *port != 1194) r.fail("port", std::to_string(*port), "443 (AWS's default) or 1194");
    cfg.port = uint16_t(*port);
  }
  cfg.client_cidr = v4_prefix(r, "client_cidr", r.required_string("client_cidr", "the clients' range, /12 to /22"));
  if (cfg.client_cidr.length < 12 || cfg.client_cidr.length > 22)
    r.fail("client_cidr", "\"" + cfg.client_cidr.to_string() + "\"", "a prefix from /12 to /22 (AWS's limits)");
  cfg.vpc_cidr = v4_prefix(r, "vpc_cidr", r.required_string("vpc_cidr", "the VPC's CIDR, e.g. \"10.0.0.0/16\""));
  if (overlaps(cfg.client_cidr, cfg.vpc_cidr))
    r.fail("client_cidr", "\"" + cfg.client_cidr.to_string() + "\"", "must not overlap vpc_cidr " + cfg.vpc_cidr.to_string());
  if (auto s = r.boolean("split_tunnel")) cfg.split_tunnel = *s;
  if (auto h = r.integer("session_timeout_hours", 1, 24)) {
    if (*h != 8 && *h != 10 && *h != 12 && *h != 24) r.fail("session_timeout_hours", std::to_string(*h), "8, 10, 12 or 24");
    cfg.session_timeout_hours = uint32_t(*h);
  }
  if (const toml::node* n = r.node("data_ciphers")) {
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty()) r.fail("data_ciphers", TableReader::describe(*n), "a non-empty list of cipher names");
    cfg.data_ciphers.clear();
    for (const auto& e : *arr) {
      auto name = e.value_exact<std::string>();
      auto c = name ? ovpn::data_cipher_from_name(*name) : std::nullopt;
      if (!c) r.fail("data_ciphers", TableReader::describe(e), "AES-256-GCM, AES-128-GCM or CHACHA20-POLY1305");
      cfg.data_ciphers.push_back(*c);
    }
  }
  if (auto k = r.string("key_derivation")) {
    if (*k != "tls-ekm" && *k != "prf") r.fail("key_derivation", "\"" + *k + "\"", "\"tls-ekm\" (default) or \"prf\"");
    cfg.tls_ekm = *k == "tls-ekm";
  }
  for (const char* key : {"tun", "nat_tun"}) {
    if (auto t = r.string(key)) {
      if (t->empty() || t->size() > 15) r.fail(key, "\"" + *t + "\"", "an interface name of 1-15 characters");
      (std::string(key) == "tun" ? cfg.tun : cfg.nat_tun) = *t;
    }
  }
  if (auto log = r.string("connection_log")) cfg.connection_log = *log;
  if (const toml::node* n = r.node("dns_servers")) {
    const toml::array* arr = n->as_array();
    if (!arr || arr->size() > 2) r.fail("dns_servers", TableReader::describe(*n), "a list of at most 2 addresses");
    for (const auto& e : *arr) {
      auto s = e.value_exact<std::string>();
      if (!s) r.fail("dns_servers", TableReader::describe(e), "an IPv4 address string");
      cfg.dns_servers.push_back(parse_address(r, "dns_servers", *s));
    }
  }
  if (auto m = r.integer("max_connections", 1, 126000)) cfg.max_connections = uint32_t(*m);
  r.reject_unknown();
}

}  // namespace

std::string ClientVpnConfig::dns_name() const {
  return id + ".prod.clientvpn." + region + ".amazonaws.com";
}

NatConfig ClientVpnConfig::nat_config() const {
  NatConfig n;
  n.name = id;
  n.tun_name = nat_tun;
  n.client_cidr = client_cidr;
  n.inside_address = IpAddress::v4_from_host_order(client_cidr.address.v4_host_order() + 1);
  for (const auto& r : routes) {
    if (!r.local()) n.routes.push_back(r.destination);
  }
  for (const auto& t : target_networks) {
    EniPortConfig e;
    e.device = t.eni_device;
    e.address = t.eni_address;
    e.prefix_len = t.subnet.length;
    e.gateway = t.gateway;
    e.mac = nat::mac_for_address(t.eni_address.v4_host_order());
    n.enis.push_back(e);
  }
  return n;
}

ClientVpnConfig parse_clientvpn_config(std::string_view toml_text, const std::string& source,
                                       const std::string& base_dir) {
  toml::table root = parse_toml(toml_text, source);
  TableReader top(root, "", source);
  ClientVpnConfig cfg;
  const auto* e = top.table("endpoint");
  if (!e) top.fail("endpoint", "", "missing; [endpoint] needs listen, client_cidr and vpc_cidr");
  {
    TableReader r(*e, "endpoint", source);
    parse_endpoint(r, cfg);
  }
  const auto* tls = top.table("tls");
  if (!tls) top.fail("tls", "", "missing; [tls] needs ca, cert and key (vpngw clientvpn pki makes them)");
  {
    TableReader r(*tls, "tls", source);
    cfg.tls.ca = resolve(base_dir, r.required_string("ca", "the CA certificate (PEM)"));
    cfg.tls.cert = resolve(base_dir, r.required_string("cert", "the server certificate (PEM)"));
    cfg.tls.key = resolve(base_dir, r.required_string("key", "the server key (PEM)"));
    if (auto crl = r.string("crl")) cfg.tls.crl = resolve(base_dir, *crl);
    r.reject_unknown();
  }
  const auto* nets = top.array_of_tables("target_network");
  if (!nets || nets->empty()) top.fail("target_network", "", "missing; at least one [[target_network]] (subnet, eni_device, eni_address)");
  if (nets->size() > 5) top.fail("target_network", std::to_string(nets->size()), "at most 5 (one subnet per AZ)");
  std::set<std::string> devices;
  for (size_t i = 0; i < nets->size(); ++i) {
    TableReader r(*nets->get(i)->as_table(), "target_network[" + std::to_string(i) + "]", source);
    TargetNetwork t;
    t.subnet = v4_prefix(r, "subnet", r.required_string("subnet", "a VPC subnet, /27 or larger"));
    if (t.subnet.length > 27) r.fail("subnet", "\"" + t.subnet.to_string() + "\"", "at least a /27 (AWS's minimum)");
    if (!cfg.vpc_cidr.contains(t.subnet.address) || t.subnet.length < cfg.vpc_cidr.length)
      r.fail("subnet", "\"" + t.subnet.to_string() + "\"", "must lie inside vpc_cidr " + cfg.vpc_cidr.to_string());
    t.eni_device = r.required_string("eni_device", "the TAP device for the ENI, e.g. \"eni0\"");
    if (t.eni_device.empty() || t.eni_device.size() > 15 || !devices.insert(t.eni_device).second)
      r.fail("eni_device", "\"" + t.eni_device + "\"", "a unique interface name of 1-15 characters");
    t.eni_address = parse_address(r, "eni_address", r.required_string("eni_address", "the ENI's address in the subnet"));
    if (!t.subnet.contains(t.eni_address))
      r.fail("eni_address", "\"" + t.eni_address.to_string() + "\"", "must lie inside subnet " + t.subnet.to_string());
    t.gateway = IpAddress::v4_from_host_order(t.subnet.address.v4_host_order() + 1);
    if (auto gw = r.string("gateway")) t.gateway = parse_address(r, "gateway", *gw);
    r.reject_unknown();
    cfg.target_networks.push_back(t);
  }
  if (const auto* rules = top.array_of_tables("authorization_rule")) {
    if (rules->size() > 50) top.fail("authorization_rule", std::to_string(rules->size()), "at most 50 (AWS's quota)");
    for (size_t i = 0; i < rules->size(); ++i) {
      TableReader r(*rules->get(i)->as_table(), "authorization_rule[" + std::to_string(i) + "]", source);
      AuthorizationRule a;
      a.destination = v4_prefix(r, "destination", r.required_string("destination", "a destination CIDR"));
      if (auto g = r.string("group")) a.group = *g;
      r.reject_unknown();
      cfg.authorization_rules.push_back(a);
    }
  }
  if (const auto* routes = top.array_of_tables("route")) {
    for (size_t i = 0; i < routes->size(); ++i) {
      TableReader r(*routes->get(i)->as_table(), "route[" + std::to_string(i) + "]", source);
      EndpointRoute rt;
      rt.destination = v4_prefix(r, "destination", r.required_string("destination", "a destination CIDR"));
      rt.target = r.required_string("target", "a target network's subnet or \"local\"");
      if (rt.local()) {
        if (!(rt.destination == cfg.client_cidr))
          r.fail("destination", "\"" + rt.destination.to_string() + "\"", "a local route must be the client CIDR " + cfg.client_cidr.to_string());
      } else {
        bool known = false;
        for (const auto& t : cfg.target_networks) known = known || t.subnet.to_string() == rt.target;
        if (!known) r.fail("target", "\"" + rt.target + "\"", "the subnet of a [[target_network]] or \"local\"");
        if (overlaps(rt.destination, cfg.client_cidr))
          r.fail("destination", "\"" + rt.destination.to_string() + "\"", "must not overlap client_cidr " + cfg.client_cidr.to_string());
      }
      r.reject_unknown();
      cfg.routes.push_back(rt);
    }
  }
  // AWS adds the VPC's route when the first subnet is associated.
  bool have_vpc = false;
  for (const auto& r : cfg.routes) have_vpc = have_vpc || r.destination == cfg.vpc_cidr;
  if (!have_vpc) cfg.routes.insert(cfg.routes.begin(), {cfg.vpc_cidr, cfg.target_networks[0].subnet.to_string()});
  if (cfg.routes.size() > 10) top.fail("route", std::to_string(cfg.routes.size()) + " routes", "at most 10 per endpoint (AWS's quota)");
  top.reject_unknown();
  return cfg;
}

ClientVpnConfig load_clientvpn_config(const std::string& path) {
  const size_t slash = path.rfind('/');
  return parse_clientvpn_config(read_config_file(path), path, slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace vpngw
