#include "clientvpn/client_policy.hpp"

#include <algorithm>

namespace vpngw {
namespace {

AccessPolicy::Prefix compiled(const IpPrefix& p, bool allow) {
  return {p.address.v4_host_order(), p.length, allow};
}

std::string dotted_mask(uint8_t len) {
  const uint32_t m = len == 0 ? 0 : ~uint32_t(0) << (32 - len);
  return IpAddress::v4_from_host_order(m).to_string();
}

}  // namespace

AccessPolicy compile_access(const ClientVpnConfig& cfg, const std::string& group) {
  AccessPolicy p;
  for (const auto& r : cfg.routes) p.routes.push_back(compiled(r.destination, true));
  for (const auto& a : cfg.authorization_rules) {
    p.rules.push_back(compiled(a.destination, a.group.empty() || a.group == group));
  }
  return p;
}

std::string push_options(const ClientVpnConfig& cfg, const IpAddress& client_address) {
  const IpAddress gateway = IpAddress::v4_from_host_order(cfg.client_cidr.address.v4_host_order() + 1);
  std::string o = "route-gateway " + gateway.to_string() + ",topology subnet,ping 10,ping-restart 60";
  if (cfg.split_tunnel) {
    for (const auto& r : cfg.routes) {
      if (r.local()) continue;  // the client CIDR is on-link for the client already
      o += ",route " + r.destination.address.to_string() + " " + dotted_mask(r.destination.length);
    }
  } else {
    o += ",redirect-gateway def1";
  }
  for (const auto& d : cfg.dns_servers) o += ",dhcp-option DNS " + d.to_string();
  o += ",ifconfig " + client_address.to_string() + " " + dotted_mask(cfg.client_cidr.length);
  return o;
}

AddressPool::AddressPool(const IpPrefix& cidr, uint32_t limit) {
  const uint32_t base = cidr.address.v4_host_order();
  const uint32_t size = cidr.length >= 31 ? 0 : (uint32_t(1) << (32 - cidr.length));
  first_ = base + 2;           // .0 is the network, .1 the endpoint
  last_ = base + size - 2;     // the broadcast address stays unused
  if (limit > 0 && last_ - first_ + 1 > limit) last_ = first_ + limit - 1;
}

std::optional<IpAddress> AddressPool::allocate() {
  uint32_t a = first_;
  for (uint32_t u : used_) {
    if (u != a) break;
    ++a;
  }
  if (a > last_) return std::nullopt;
  used_.insert(a);
  return IpAddress::v4_from_host_order(a);
}

void AddressPool::release(const IpAddress& a) { used_.erase(a.v4_host_order()); }

}  // namespace vpngw
