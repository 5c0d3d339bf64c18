#include "gateway/gateway_config.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "common/config/toml_reader.hpp"
#include "proto/ike/tunnel_options_config.hpp"

namespace vpngw {
namespace {

// "169.254.10.1/30": an address with its subnet length, as `ip addr add` takes it.
std::optional<InterfaceAddress> parse_interface_address(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto a = IpAddress::parse(std::string_view(text).substr(0, slash));
  const std::string len_text = text.substr(slash + 1);
  if (!a || len_text.empty() || len_text.size() > 3 || len_text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned len = unsigned(std::stoul(len_text));
  if (len > (a->v6 ? 128u : 32u)) return std::nullopt;
  return InterfaceAddress{*a, uint8_t(len)};
}

std::vector<uint8_t> parse_hex(TableReader& r, const std::string& key, const std::string& text) {
  std::string_view s = text;
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  if (s.empty() || s.size() % 2 != 0) r.fail(key, "\"" + text + "\"", "must be an even number of hex digits, optionally with 0x");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto digit = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      r.fail(key, "\"" + text + "\"", std::string("'") + c + "' is not a hex digit");
    };
    out.push_back(uint8_t(digit(s[i]) << 4 | digit(s[i + 1])));
  }
  return out;
}

uint32_t parse_spi(TableReader& r) {
  const toml::node* n = r.node("spi");
  if (!n) r.fail("spi", "", "missing; a 32-bit SPI, e.g. \"0x0000abcd\" or 43981 (256-4294967295)");
  int64_t v = -1;
  if (n->is_integer()) {
    v = *n->value<int64_t>();
  } else if (n->is_string()) {
    const auto bytes = parse_hex(r, "spi", *n->value<std::string>());
    if (bytes.size() > 4) r.fail("spi", TableReader::describe(*n), "an SPI has at most 4 bytes");
    v = 0;
    for (uint8_t b : bytes) v = v << 8 | b;
  } else {
    r.fail("spi", TableReader::describe(*n), "must be a hex string or an integer");
  }
  // 1-255 are reserved by IANA and 0 is never sent (RFC 4303 2.1).
  if (v < 256 || v > UINT32_MAX) r.fail("spi", std::to_string(v), "allowed range is 256-4294967295 (0-255 are reserved)");
  return uint32_t(v);
}

SaConfig parse_sa(const toml::table& t, const std::string& path, const std::string& source) {
  TableReader r(t, path, source);
  SaConfig sa;
  sa.spi = parse_spi(r);
  const std::string cipher_name = r.required_string(
      "cipher", "one of aes128gcm16, aes256gcm16, chacha20poly1305, rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305)");
  const std::string key_text = r.required_string("key", "hex key material: the key followed by a 4-byte salt");
  sa.keymat = parse_hex(r, "key", key_text);
  auto cipher = cipher_from_name(cipher_name, sa.keymat.size());
  if (!cipher) {
    if (cipher_name == "rfc4106(gcm(aes))") {
      r.fail("key", std::to_string(sa.keymat.size()) + " bytes",
             "rfc4106(gcm(aes)) takes 20 bytes (AES-128 key + salt) or 36 bytes (AES-256 key + salt)");
    }
    r.fail("cipher", "\"" + cipher_name + "\"",
           "allowed: aes128gcm16, aes256gcm16, chacha20poly1305, rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305)");
  }
  sa.cipher = *cipher;
  const size_t want = cipher_info(sa.cipher).key_len + kAeadSaltLen;
  if (sa.keymat.size() != want) {
    r.fail("key", std::to_string(sa.keymat.size()) + " bytes",
           std::string(cipher_info(sa.cipher).name) + " takes " + std::to_string(want) + " bytes (" +
               std::to_string(want - kAeadSaltLen) + " key + 4 salt)");
  }
  r.reject_unknown();
  return sa;
}




}  // namespace

GatewayConfig parse_gateway_config(std::string_view toml_text, const std::string& source) {
  toml::table root = parse_toml(toml_text, source);

  GatewayConfig cfg;
  TableReader top(root, "", source);

  if (const auto* g = top.table("gateway")) {
    TableReader r(*g, "gateway", source);
    if (auto name = r.string("name")) cfg.name = *name;
    r.reject_unknown();
  }

  const auto* outside = top.table("outside");
  if (!outside) top.fail("outside", "", "missing; [outside] needs address (and optionally port)");
  {
    TableReader r(*outside, "outside", source);
    cfg.outside_address = parse_address(r, "address", r.required_string("address", "the local outside IP address"));
    if (auto port = r.integer("port", 1, 65535)) cfg.outside_port = uint16_t(*port);
    if (auto port = r.integer("ike_port", 1, 65535)) cfg.ike_port = uint16_t(*port);
    r.reject_unknown();
  }

  if (const auto* tun = top.table("tun")) {
    TableReader r(*tun, "tun", source);
    if (auto name = r.string("name")) {
      if (name->empty() || name->size() > 15) r.fail("name", "\"" + *name + "\"", "an interface name of 1-15 characters");
      cfg.tun_name = *name;
    }
    if (auto mtu = r.integer("mtu", 576, 9000)) cfg.tun_mtu = uint32_t(*mtu);
    // One inside address "169.254.10.1/30" or a list of them, as `ip addr add` takes them.
    if (const toml::node* n = r.node("address")) {
      std::vector<std::string> texts;
      if (n->is_string()) {
        texts.push_back(*n->value<std::string>());
      } else if (const auto* list = n->as_array(); list && !list->empty()) {
        for (const auto& e : *list) {
          if (!e.is_string()) r.fail("address", TableReader::describe(e), "a list of strings such as \"169.254.10.2/30\"");
          texts.push_back(*e.value<std::string>());
        }
      } else {
        r.fail("address", TableReader::describe(*n), "a string or a non-empty list of strings such as \"169.254.10.1/30\"");
      }
      for (const auto& text : texts) {
        auto ia = parse_interface_address(text);
        if (!ia) r.fail("address", "\"" + text + "\"", "an address with its prefix length, e.g. \"169.254.10.1/30\"");
        cfg.tun_addresses.push_back(*ia);
      }
    }
    r.reject_unknown();
  }

  std::set<std::string> tunnel_names;
  std::set<uint32_t> inbound_spis;
  if (const auto* tunnels = top.array_of_tables("tunnel")) {
    for (size_t i = 0; i < tunnels->size(); ++i) {
      const std::string path = "tunnel[" + std::to_string(i) + "]";
      TableReader r(*tunnels->get(i)->as_table(), path, source);
      TunnelConfig t;
      t.name = r.required_string("name", "a unique tunnel name");
      if (!tunnel_names.insert(t.name).second) r.fail("name", "\"" + t.name + "\"", "tunnel names must be unique");
      t.peer = parse_address(r, "peer", r.required_string("peer", "the far end's outside IP address"));
      if (t.peer.v6 != cfg.outside_address.v6) r.fail("peer", "\"" + t.peer.to_string() + "\"", "must be the same IP family as outside.address");
      if (auto port = r.integer("peer_port", 1, 65535)) t.peer_port = uint16_t(*port);
      if (auto w = r.integer("replay_window", 64, 2048)) t.replay_window = uint32_t(*w);
      if (auto esn = r.boolean("esn")) t.esn = *esn;
      if (const auto* limits = r.table("limits")) {
        TableReader lr(*limits, r.full("limits"), source);
        t.limits.emplace();
        if (auto m = lr.integer("bandwidth_mbps", 1, 1'000'000)) t.limits->bandwidth_mbps = uint32_t(*m);
        if (auto p = lr.integer("packets_per_second", 1, 100'000'000)) t.limits->packets_per_second = uint32_t(*p);
        lr.reject_unknown();
      }
      const auto* ike = r.table("ike");
      const auto* out = r.table("outbound");
      const auto* in = r.table("inbound");
      if (ike) {
        if (out || in) r.fail(out ? "outbound" : "inbound", "", "a tunnel keyed by [" + path + ".ike] takes no manual SAs");
        if (t.peer.v6 || cfg.outside_address.v6) r.fail("peer", "\"" + t.peer.to_string() + "\"", "IKE-keyed tunnels are IPv4 outside");
        TableReader ike_reader(*ike, r.full("ike"), source);
        t.ike = read_ike_options(ike_reader, true);
        ike_reader.reject_unknown();
      } else {
        if (!out) r.fail("outbound", "", "missing; [" + path + ".outbound] with spi, cipher, key (or [" + path + ".ike])");
        t.outbound = parse_sa(*out, r.full("outbound"), source);
        if (!in) r.fail("inbound", "", "missing; [" + path + ".inbound] with spi, cipher, key");
        t.inbound = parse_sa(*in, r.full("inbound"), source);
        if (!inbound_spis.insert(t.inbound.spi).second) {
          r.fail("inbound.spi", std::to_string(t.inbound.spi), "inbound SPIs must be unique on a gateway");
        }
      }
      r.reject_unknown();
      cfg.tunnels.push_back(std::move(t));
    }
  }

  if (const auto* routes = top.array_of_tables("route")) {
    for (size_t i = 0; i < routes->size(); ++i) {
      TableReader r(*routes->get(i)->as_table(), "route[" + std::to_string(i) + "]", source);
      RouteConfig rc;
      rc.prefix = parse_prefix(r, "prefix", r.required_string("prefix", "a destination prefix such as \"10.2.0.0/16\""));
      rc.tunnel = r.required_string("tunnel", "the name of a [[tunnel]]");
      if (!tunnel_names.count(rc.tunnel)) r.fail("tunnel", "\"" + rc.tunnel + "\"", "no [[tunnel]] has that name");
      r.reject_unknown();
      cfg.routes.push_back(std::move(rc));
    }
  }
  if (const auto* bgp = top.table("bgp")) {
    TableReader br(*bgp, "bgp", source);
    cfg.bgp = parse_bgp_config(br, tunnel_names);
    if (!cfg.bgp->router_id && (cfg.tun_addresses.empty() || cfg.tun_addresses.front().address.v6))
      top.fail("bgp.router_id", "", "missing; needed when [tun] has no IPv4 address to take it from");
  }
  cfg.management_socket = read_management_table(top);
  top.reject_unknown();
  return cfg;
}

GatewayConfig load_gateway_config(const std::string& path) {
  return parse_gateway_config(read_config_file(path), path);
}

}  // namespace vpngw
