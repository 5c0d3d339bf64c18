#include "nat/nat_config.hpp"

#include <set>

#include "common/config/toml_reader.hpp"

namespace vpngw {
namespace {

std::optional<nat::Mac> parse_mac(std::string_view s) {
  nat::Mac m{};
  if (s.size() != 17) return std::nullopt;
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0 && s[i * 3 - 1] != ':') return std::nullopt;
    unsigned v = 0;
    for (size_t k = 0; k < 2; ++k) {
      const char c = s[i * 3 + k];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v << 4 | unsigned(d);
    }
    m[i] = uint8_t(v);
  }
  return m;
}

// An address with its subnet length, "10.0.1.10/24" (host bits allowed: it is an interface address).
std::pair<IpAddress, uint8_t> parse_interface_address(TableReader& r, const std::string& key, const std::string& text) {
  const size_t slash = text.find('/');
  auto a = IpAddress::parse(std::string_view(text).substr(0, slash));
  int len = -1;
  if (slash != std::string::npos) {
    try { len = std::stoi(text.substr(slash + 1)); } catch (...) {}
  }
  if (!a || a->v6 || len < 1 || len > 30) r.fail(key, "\"" + text + "\"", "an IPv4 address with its subnet length (/1-/30), e.g. \"10.0.1.10/24\"");
  return {*a, uint8_t(len)};
}

uint32_t parse_timeout(TableReader& r, const std::string& key, uint32_t fallback, uint32_t rfc_minimum, const char* rfc) {
  auto v = r.integer(key, 1, 7 * 24 * 3600);
  if (!v) return fallback;
  if (*v < rfc_minimum)
    r.fail(key, std::to_string(*v), std::string("at least ") + std::to_string(rfc_minimum) + " s (" + rfc + ")");
  return uint32_t(*v);
}

}  // namespace

NatConfig parse_nat_config(std::string_view toml_text, const std::string& source) {
  toml::table root = parse_toml(toml_text, source);
  TableReader top(root, "", source);
  NatConfig cfg;
  const auto* n = top.table("nat");
  if (!n) top.fail("nat", "", "missing; [nat] needs client_cidr and inside_address");
  {
    TableReader r(*n, "nat", source);
    if (auto name = r.string("name")) cfg.name = *name;
    if (auto tun = r.string("tun")) {
      if (tun->empty() || tun->size() > 15) r.fail("tun", "\"" + *tun + "\"", "an interface name of 1-15 characters");
      cfg.tun_name = *tun;
    }
    cfg.client_cidr = parse_prefix(r, "client_cidr", r.required_string("client_cidr", "the clients' address range, e.g. \"172.16.0.0/22\""));
    cfg.inside_address = parse_address(r, "inside_address", r.required_string("inside_address", "this router's address in the client range"));
    if (cfg.client_cidr.address.v6 || !cfg.client_cidr.contains(cfg.inside_address))
      r.fail("inside_address", "\"" + cfg.inside_address.to_string() + "\"", "an IPv4 address inside client_cidr " + cfg.client_cidr.to_string());
    const uint32_t offset = cfg.inside_address.v4_host_order() - cfg.client_cidr.address.v4_host_order();
    const uint32_t last = cfg.client_cidr.length >= 31 ? 1 : (uint32_t(1) << (32 - cfg.client_cidr.length)) - 1;
    if (cfg.client_cidr.length < 31 && (offset == 0 || offset == last))
      r.fail("inside_address", "\"" + cfg.inside_address.to_string() + "\"", "a host address of client_cidr " + cfg.client_cidr.to_string() +
                                                                          ", not its network or broadcast address");
    if (auto cap = r.integer("max_flows", 16, 16'000'000)) cfg.capacity = uint32_t(*cap);
    cfg.timeouts.udp = parse_timeout(r, "udp_timeout", cfg.timeouts.udp, 120, "RFC 4787 REQ-5");
    cfg.timeouts.tcp_established = parse_timeout(r, "tcp_established_timeout", cfg.timeouts.tcp_established, 7440, "RFC 5382 REQ-5");
    cfg.timeouts.tcp_transitory = parse_timeout(r, "tcp_transitory_timeout", cfg.timeouts.tcp_transitory, 240, "RFC 5382 REQ-5");
    cfg.timeouts.icmp = parse_timeout(r, "icmp_timeout", cfg.timeouts.icmp, 60, "RFC 5508 REQ-1");
    cfg.routes = parse_prefix_list(r, "routes");
    r.reject_unknown();
  }
  const auto* enis = top.array_of_tables("eni");
  if (!enis || enis->empty()) top.fail("eni", "", "missing; at least one [[eni]] with device and address");
  if (enis->size() > 32) top.fail("eni", std::to_string(enis->size()) + " ENIs", "at most 32");
  std::set<std::string> devices{cfg.tun_name};  // the TUN's name is taken too
  std::set<uint32_t> addresses;
  for (size_t i = 0; i < enis->size(); ++i) {
    TableReader r(*enis->get(i)->as_table(), "eni[" + std::to_string(i) + "]", source);
    EniPortConfig e;
    e.device = r.required_string("device", "the TAP device name, e.g. \"eni0\"");
    if (e.device.empty() || e.device.size() > 15) r.fail("device", "\"" + e.device + "\"", "an interface name of 1-15 characters");
    if (!devices.insert(e.device).second)
      r.fail("device", "\"" + e.device + "\"", "each ENI needs its own device, other than the TUN (" + cfg.tun_name + ")");
    std::tie(e.address, e.prefix_len) = parse_interface_address(r, "address", r.required_string("address", "the ENI's address with its subnet length"));
    const std::string quoted_address = "\"" + e.address.to_string() + "/" + std::to_string(e.prefix_len) + "\"";
    if (!addresses.insert(e.address.v4_host_order()).second) r.fail("address", quoted_address, "each ENI needs its own address");
    // The clients' range and a VPC subnet must not overlap: the subnet's connected route would
    // take the clients' traffic.
    const IpPrefix subnet = *IpPrefix::parse(IpAddress::v4_from_host_order(e.address.v4_host_order() &
                                                                           ~((uint32_t(1) << (32 - e.prefix_len)) - 1)).to_string() +
                                             "/" + std::to_string(e.prefix_len));
    if (subnet.contains(cfg.client_cidr.address) || cfg.client_cidr.contains(subnet.address))
      r.fail("address", quoted_address, "a VPC subnet that does not overlap client_cidr " + cfg.client_cidr.to_string());
    if (auto gw = r.string("gateway")) {
      e.gateway = parse_address(r, "gateway", *gw);
      if (!subnet.contains(*e.gateway) || *e.gateway == e.address)
        r.fail("gateway", "\"" + *gw + "\"", "the subnet's router: another address in " + subnet.to_string());
    }
    if (auto mac = r.string("mac")) {
      auto m = parse_mac(*mac);
      if (!m || ((*m)[0] & 1) || *m == nat::Mac{})
        r.fail("mac", "\"" + *mac + "\"", "a unicast MAC, not all zeros, such as \"02:00:0a:00:01:0a\"");
      e.mac = *m;
    } else {
      e.mac = nat::mac_for_address(e.address.v4_host_order());
    }
    r.reject_unknown();
    cfg.enis.push_back(std::move(e));
  }
  top.reject_unknown();
  return cfg;
}

NatConfig load_nat_config(const std::string& path) { return parse_nat_config(read_config_file(path), path); }

}  // namespace vpngw
