#include "router/router_config.hpp"

#include "common/config/toml_reader.hpp"

namespace vpngw {

RouterConfig parse_router_config(std::string_view toml_text, const std::string& source) {
  const toml::table root = parse_toml(toml_text, source);
  TableReader top(root, "", source);
  RouterConfig cfg;
  if (const auto* r = top.table("router")) {
    TableReader rr(*r, "router", source);
    if (auto name = rr.string("name")) {
      if (name->empty() || name->size() > 64 || name->find('/') != std::string::npos)
        rr.fail("name", "\"" + *name + "\"", "1-64 characters, no '/' (it names the management socket)");
      cfg.name = *name;
    }
    rr.reject_unknown();
  }
  const auto* bgp = top.table("bgp");
  if (!bgp) top.fail("bgp", "", "missing; a router runs BGP: [bgp] with asn, router_id and [[bgp.neighbor]]");
  TableReader br(*bgp, "bgp", source);
  cfg.bgp = parse_bgp_config(br, {});
  if (!cfg.bgp.router_id) top.fail("bgp.router_id", "", "missing; a router has no interface address to take it from");
  if (cfg.bgp.multipath)
    top.fail("bgp.multipath", "true", "multipath spreads traffic over gateway tunnels; a router installs one next hop");
  cfg.management_socket = read_management_table(top);
  top.reject_unknown();
  return cfg;
}

RouterConfig load_router_config(const std::string& path) { return parse_router_config(read_config_file(path), path); }

namespace {

constexpr std::string_view kIntro = R"(One TOML file describes one plain BGP router: `vpngw router --config FILE`. It runs BGP (and BFD
where a neighbour asks for it) over the interfaces of the network namespace it starts in and puts
the routes it learns into the kernel's main table via their BGP next hop (`ip route show proto
bgp`). It has no tunnels and no data plane: the kernel forwards. Validate without running:
`vpngw router --check --config FILE`. Example: `examples/router.toml`. The same `[bgp]` keys work in
a gateway's file, where a neighbour may also name a tunnel.
)";

constexpr ConfigKey kKeys[] = {
    {"", "router", "table", "The router's name."},
    {"", "bgp", "table", "Required. The BGP speaker."},
    {"", "management", "table", "The management socket `vpngw ctl` talks to (optional)."},
    {"router", "name", "string", "1-64 characters; logs, stats and the default socket name. Default: `\"router\"`."},
    {"management", "socket", "string", "Path of the management socket `vpngw ctl` talks to (mode 0600: root only). Default: `/run/vpngw/<router name>.sock`."},
};

}  // namespace

const ConfigSchema& router_schema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s{"router", "Router config (`vpngw router --config FILE`)", kIntro, {}};
    for (const auto& k : kKeys) {
      if (k.table == "management")
        for (const auto& b : bgp_schema_keys(false)) s.keys.push_back(b);
      s.keys.push_back(k);
    }
    return s;
  }();
  return schema;
}

}  // namespace vpngw
