#include "dx/dx_config_toml.hpp"

#include <sstream>
#include <toml++/toml.h>

namespace vpngw::dx {
namespace {

toml::array strings(const std::vector<std::string>& v) {
  toml::array a;
  for (const auto& s : v) a.push_back(s);
  return a;
}

}  // namespace

std::string to_toml(const DirectConnectConfig& cfg) {
  toml::table root;
  toml::array lags, connections, gateways, vifs;
  for (const auto& l : cfg.lags)
    lags.push_back(toml::table{{"id", l.id}, {"connections_bandwidth", l.connections_bandwidth}, {"minimum_links", int64_t(l.minimum_links)}});
  for (const auto& c : cfg.connections) {
    toml::table t{{"id", c.id}, {"type", std::string(to_string(c.type))}, {"owner", c.owner == Owner::partner ? "partner" : "customer"},
                  {"bandwidth", c.bandwidth}};
    if (!c.lag.empty()) t.insert("lag", c.lag);
    connections.push_back(std::move(t));
  }
  for (const auto& g : cfg.gateways)
    gateways.push_back(toml::table{{"id", g.id}, {"amazon_side_asn", int64_t(g.amazon_side_asn)},
                                   {"virtual_gateways", strings(g.virtual_gateways)}, {"transit_gateways", strings(g.transit_gateways)}});
  for (const auto& v : cfg.vifs) {
    toml::table t{{"id", v.id}, {"type", v.type == VifType::private_vif ? "private" : v.type == VifType::transit ? "transit" : "public"},
                  {"connection", v.connection}, {"vlan", int64_t(v.vlan)}, {"mtu", int64_t(v.mtu)}, {"asn", int64_t(v.asn)},
                  {"auth_key", v.auth_key}, {"address_family", v.address_family}, {"hold_time", int64_t(v.hold_time_s)},
                  {"keepalive", int64_t(v.keepalive_s)}};
    // AWS allocates an IPv6 peering itself; only IPv4 addresses are written (and read) back.
    if (v.address_family == "ipv4") {
      t.insert("amazon_address", v.peering.amazon_address.to_string());
      t.insert("customer_address", v.peering.customer_address.to_string());
    }
    if (!v.direct_connect_gateway.empty()) t.insert("direct_connect_gateway", v.direct_connect_gateway);
    if (!v.virtual_gateway.empty()) t.insert("virtual_gateway", v.virtual_gateway);
    if (!v.route_filter_prefixes.empty()) {
      toml::array prefixes;
      for (const auto& p : v.route_filter_prefixes) prefixes.push_back(p.to_string());
      t.insert("route_filter_prefixes", std::move(prefixes));
    }
    vifs.push_back(std::move(t));
  }
  if (!lags.empty()) root.insert("dx_lag", std::move(lags));
  if (!connections.empty()) root.insert("dx_connection", std::move(connections));
  if (!gateways.empty()) root.insert("dx_gateway", std::move(gateways));
  if (!vifs.empty()) root.insert("dx_vif", std::move(vifs));
  std::ostringstream out;
  out << "# The Direct Connect model with AWS's defaults resolved (written by vpngw).\n" << root << "\n";
  return out.str();
}

}  // namespace vpngw::dx
