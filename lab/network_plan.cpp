#include "lab/network_plan.hpp"

#include <algorithm>

namespace vpngw::lab {
namespace {

IpAddress v4(std::string_view text) { return *IpAddress::parse(text); }
IpAddress nth(const IpPrefix& p, uint32_t n) { return IpAddress::v4_from_host_order(p.address.v4_host_order() + n); }
InterfaceAddress on(const IpAddress& a, const IpPrefix& segment) { return {a, segment.length}; }
InterfaceAddress on_internet(const IpAddress& a) { return {a, IpPrefix::parse(kInternet)->length}; }

// A node's port on the lab internet: out0 in the node, i-<node> in br0.
Veth internet_port(const std::string& node, const IpAddress& outside) {
  return {{node, "out0", on_internet(outside), ""}, {"net", "i-" + node, std::nullopt, "br0"}};
}

}  // namespace

NetworkPlan plan_network(const Topology& t) {
  NetworkPlan p;
  const bool internet = t.s2s || t.client_vpn;
  p.vpc_router = t.s2s || t.dx ? "vgw" : t.subnets.empty() ? "" : "router";
  if (internet) p.nodes.push_back("net");
  if (t.s2s) p.nodes.insert(p.nodes.end(), {"cgw", "t1", "t2"});
  else if (t.dx) p.nodes.push_back("cgw");
  if (!p.vpc_router.empty()) p.nodes.push_back(p.vpc_router);
  if (t.client_vpn) p.nodes.push_back("cvpn");
  for (const auto& h : t.hosts) p.nodes.push_back(h.name);
  if (t.client_vpn)
    for (const auto& c : t.client_vpn->clients) p.nodes.push_back(c.name);
  for (const auto& n : p.nodes) {
    p.sysctls.push_back({n, "net.ipv4.conf.all.rp_filter", "0"});  // replies may come back another way
    p.sysctls.push_back({n, "net.ipv4.conf.default.rp_filter", "0"});
  }

  if (internet) {
    Bridge br0{"net", "br0", {}};
    if (t.client_vpn) {
      br0.addresses = {on_internet(v4(kDnsAddress)), on_internet(v4(kHomeRouter))};
      p.sysctls.push_back({"net", "net.ipv4.ip_forward", "1"});  // a full tunnel reaches the endpoint via the home router
    }
    p.bridges.push_back(br0);
  }
  for (const auto& s : t.subnets) p.bridges.push_back({p.vpc_router, s.bridge, {on(nth(s.cidr, 1), s.cidr)}});
  if (!p.vpc_router.empty()) p.sysctls.push_back({p.vpc_router, "net.ipv4.ip_forward", "1"});

  if (t.s2s || t.dx) {
    p.bridges.push_back({"cgw", "lan0", {on(nth(*t.onprem_lan, 1), *t.onprem_lan)}});
    p.sysctls.push_back({"cgw", "net.ipv4.ip_forward", "1"});
  }
  // Each Direct Connect connection a plain link between the on-prem edge and AWS's end; its VIFs
  // are VLANs on it, tagged by the VLAN ports the lab starts at both ends.
  if (t.dx)
    for (const auto& l : t.dx->customer.links) p.veths.push_back({{"cgw", l.device, std::nullopt, ""}, {"vgw", l.device, std::nullopt, ""}});
  if (t.s2s) {
    p.veths.push_back(internet_port("cgw", t.s2s->customer_outside));
    p.veths.push_back(internet_port("t1", v4(kTunnel1Outside)));
    p.veths.push_back(internet_port("t2", v4(kTunnel2Outside)));
    const IpAddress t1 = v4(kTunnel1Link), t2 = v4(kTunnel2Link);
    const IpAddress vgw1 = nth({t1, 32}, 1), vgw2 = nth({t2, 32}, 1);
    p.veths.push_back({{"t1", "vgw0", InterfaceAddress{t1, 30}, ""}, {"vgw", "az-a", InterfaceAddress{vgw1, 30}, ""}});
    p.veths.push_back({{"t2", "vgw0", InterfaceAddress{t2, 30}, ""}, {"vgw", "az-b", InterfaceAddress{vgw2, 30}, ""}});
    for (const char* n : {"t1", "t2"}) p.sysctls.push_back({n, "net.ipv4.ip_forward", "1"});
    // A transit gateway spreads flows over its tunnels by 5-tuple hash.
    if (t.s2s->kind == "tgw") p.sysctls.push_back({"vgw", "net.ipv4.fib_multipath_hash_policy", "1"});
    // Each endpoint hands what it decrypts to the VPC router.
    for (const auto& v : t.vpcs) {
      p.routes.push_back({"t1", v.cidr, vgw1});
      p.routes.push_back({"t2", v.cidr, vgw2});
    }
  }

  for (const auto& h : t.hosts) {
    const bool lan = h.segment == "lan";
    const IpPrefix segment = lan ? *t.onprem_lan
                                 : std::find_if(t.subnets.begin(), t.subnets.end(), [&](const Subnet& s) { return s.bridge == h.segment; })->cidr;
    const std::string owner = lan ? "cgw" : p.vpc_router;
    p.veths.push_back({{owner, "h-" + h.name, std::nullopt, lan ? "lan0" : h.segment}, {h.name, "eth0", on(h.address, segment), ""}});
    p.routes.push_back({h.name, IpPrefix{IpAddress{}, 0}, nth(segment, 1)});
  }

  if (t.client_vpn) {
    p.veths.push_back(internet_port("cvpn", v4(kEndpointOutside)));
    for (const auto& [device, bridge] : t.client_vpn->enis) {
      p.bridges.push_back({"cvpn", "br-" + bridge, {}});
      p.veths.push_back({{"cvpn", "v-" + bridge, std::nullopt, "br-" + bridge}, {p.vpc_router, "e-" + bridge, std::nullopt, bridge}});
    }
    for (const auto& c : t.client_vpn->clients) {
      p.veths.push_back(internet_port(c.name, c.outside));
      p.routes.push_back({c.name, IpPrefix{IpAddress{}, 0}, v4(kHomeRouter)});  // redirect-gateway needs one
    }
  }
  add_wiring(p, t.wiring);
  return p;
}

void add_wiring(NetworkPlan& p, const Wiring& w) {
  for (const auto& n : w.nodes) {
    p.nodes.push_back(n.name);
    p.sysctls.push_back({n.name, "net.ipv4.conf.all.rp_filter", "0"});
    p.sysctls.push_back({n.name, "net.ipv4.conf.default.rp_filter", "0"});
    if (n.forward) p.sysctls.push_back({n.name, "net.ipv4.ip_forward", "1"});
    for (const auto& a : n.loopback) p.addresses.push_back({n.name, "lo", a});
  }
  p.bridges.insert(p.bridges.end(), w.bridges.begin(), w.bridges.end());
  p.veths.insert(p.veths.end(), w.veths.begin(), w.veths.end());
  p.routes.insert(p.routes.end(), w.routes.begin(), w.routes.end());
}

}  // namespace vpngw::lab
