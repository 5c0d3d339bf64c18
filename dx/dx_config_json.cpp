#include "dx/dx_config_json.hpp"

#include <nlohmann/json.hpp>

namespace vpngw::dx {

nlohmann::json to_json(const DirectConnectConfig& cfg) {
  nlohmann::json out = {{"connections", nlohmann::json::array()}, {"lags", nlohmann::json::array()},
                        {"direct_connect_gateways", nlohmann::json::array()}, {"virtual_interfaces", nlohmann::json::array()}};
  for (const auto& c : cfg.connections)
    out["connections"].push_back({{"id", c.id}, {"type", to_string(c.type)}, {"owner", c.owner == Owner::partner ? "partner" : "customer"},
                                  {"bandwidth", c.bandwidth}, {"bits_per_second", c.bits_per_second}, {"lag", c.lag}});
  for (const auto& l : cfg.lags)
    out["lags"].push_back({{"id", l.id}, {"connections_bandwidth", l.connections_bandwidth}, {"minimum_links", l.minimum_links}});
  for (const auto& g : cfg.gateways)
    out["direct_connect_gateways"].push_back({{"id", g.id}, {"amazon_side_asn", g.amazon_side_asn},
                                              {"virtual_gateways", g.virtual_gateways}, {"transit_gateways", g.transit_gateways}});
  for (const auto& v : cfg.vifs) {
    nlohmann::json prefixes = nlohmann::json::array();
    for (const auto& p : v.route_filter_prefixes) prefixes.push_back(p.to_string());
    out["virtual_interfaces"].push_back({{"id", v.id}, {"type", to_string(v.type)}, {"connection", v.connection},
                                         {"hosted_vif", v.hosted_on_partner}, {"vlan", v.vlan}, {"mtu", v.mtu}, {"asn", v.asn},
                                         {"address_family", v.address_family},
                                         {"amazon_address", v.peering.amazon_address.to_string()},
                                         {"customer_address", v.peering.customer_address.to_string()},
                                         {"auth_key", "set"}, {"direct_connect_gateway", v.direct_connect_gateway},
                                         {"virtual_gateway", v.virtual_gateway}, {"route_filter_prefixes", prefixes},
                                         {"bgp", {{"hold_time", v.hold_time_s}, {"keepalive", v.keepalive_s}, {"max_prefixes", v.max_prefixes()}}}});
  }
  return out;
}

}  // namespace vpngw::dx
