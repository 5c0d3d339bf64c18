#include "dx/customer_render.hpp"

#include <sstream>

#include "common/config/config_error.hpp"
#include "proto/bgp/message.hpp"

namespace vpngw::dx {
namespace {

struct CustomerVif {
  const VirtualInterface* vif;
  size_t link;  // index into in.links
};

// The VIFs the customer reaches over its links (a VIF on a LAG: over the link of a member).
std::vector<CustomerVif> customer_vifs(const DirectConnectConfig& model, const CustomerInputs& in) {
  std::vector<CustomerVif> out;
  for (const auto& v : model.vifs)
    for (size_t i = 0; i < in.links.size(); ++i) {
      const Connection* c = model.connection(in.links[i].connection);
      if (in.links[i].connection == v.connection || (c && c->lag == v.connection)) {
        out.push_back({&v, i});
        break;
      }
    }
  if (out.empty()) throw ConfigError("customer router " + in.name + ": no VIF runs on its links");
  return out;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

uint32_t local_pref(const CustomerInputs& in, const std::string& vif) { return in.local_pref + (vif == in.preferred_vif ? 100 : 0); }

}  // namespace

std::vector<VlanPortConfig> customer_ports(const DirectConnectConfig& model, const CustomerInputs& in) {
  std::vector<VlanPortConfig> ports;
  for (const auto& l : in.links) ports.push_back({l.device, {}});
  for (const auto& cv : customer_vifs(model, in))
    ports[cv.link].vifs.push_back(
        {cv.vif->vlan, "c" + std::to_string(cv.link) + "-" + std::to_string(cv.vif->vlan), cv.vif->peering.customer_address, cv.vif->mtu});
  return ports;
}

std::vector<std::string> port_arguments(const VlanPortConfig& port) {
  std::vector<std::string> args{"--link", port.link};
  for (const auto& v : port.vifs)
    args.insert(args.end(), {"--vif", std::to_string(v.vlan) + ":" + v.tap + ":" + v.address->to_string() + ":" + std::to_string(v.mtu)});
  return args;
}

std::string render_customer_neighbors(const DirectConnectConfig& model, const CustomerInputs& in) {
  std::ostringstream os;
  for (const auto& cv : customer_vifs(model, in)) {
    const auto& v = *cv.vif;
    os << "\n# Direct Connect VIF " << v.id << " (VLAN " << v.vlan << ", " << to_string(v.type) << ")\n"
       << "[[bgp.neighbor]]\nname = " << quoted(v.id) << "\naddress = " << quoted(v.peering.amazon_address.address.to_string())
       << "\nremote_asn = " << amazon_asn(model, v) << "\nlocal_address = " << quoted(v.peering.customer_address.address.to_string())
       << "\nmd5_password = " << quoted(v.auth_key) << "\nhold_time = " << v.hold_time_s << "\nkeepalive = " << v.keepalive_s
       << "\nlocal_pref = " << local_pref(in, v.id) << "\nmax_prefixes = 0\n";
    if (in.bfd && !v.peering.amazon_address.address.v6) os << "bfd = true\n";
    if (auto it = in.communities.find(v.id); it != in.communities.end() && !it->second.empty()) {
      os << "communities = [";
      for (size_t i = 0; i < it->second.size(); ++i) os << (i ? ", " : "") << quoted(bgp::community_to_string(it->second[i]));
      os << "]\n";
    }
    if (auto it = in.prepend.find(v.id); it != in.prepend.end() && it->second) os << "as_path_prepend = " << int(it->second) << "\n";
  }
  return os.str();
}

std::string render_customer_router(const DirectConnectConfig& model, const CustomerInputs& in) {
  const auto vifs = customer_vifs(model, in);
  std::ostringstream os;
  os << "# The customer's Direct Connect router (rendered by vpngw from the Direct Connect model).\n"
     << "[router]\nname = " << quoted(in.name) << "\n\n[bgp]\nasn = " << vifs.front().vif->asn
     << "\nrouter_id = " << quoted(vifs.front().vif->peering.customer_address.address.to_string()) << "\nexport = [";
  for (size_t i = 0; i < in.announce.size(); ++i) os << (i ? ", " : "") << quoted(in.announce[i].to_string());
  os << "]\n";
  if (in.bfd) os << "bfd_interval_ms = " << in.bfd_interval_ms << "\n";
  os << render_customer_neighbors(model, in);
  return os.str();
}

std::string render_bird(const DirectConnectConfig& model, const CustomerInputs& in) {
  const auto vifs = customer_vifs(model, in);
  std::ostringstream os;
  os << "# BIRD 2 as the customer's Direct Connect router (rendered by `vpngw dx export-router --vendor bird`).\n"
     << "router id " << vifs.front().vif->peering.customer_address.address.to_string() << ";\n"
     << "protocol device {}\nprotocol direct { ipv4; }\n"
     << "protocol kernel { ipv4 { export where source = RTS_BGP; }; }\n"
     << "protocol static onprem { ipv4;";
  for (const auto& p : in.announce) os << " route " << p.to_string() << " unreachable;";
  os << " }\n";
  if (in.bfd) os << "protocol bfd { interface \"*\" { min rx interval " << in.bfd_interval_ms << " ms; min tx interval "
                 << in.bfd_interval_ms << " ms; multiplier 3; }; }\n";
  for (const auto& cv : vifs) {
    const auto& v = *cv.vif;
    std::string name = v.id;
    for (char& c : name)
      if (c == '-') c = '_';
    os << "\n# VIF " << v.id << " (VLAN " << v.vlan << ")\nprotocol bgp " << name << " {\n"
       << "  local " << v.peering.customer_address.address.to_string() << " as " << v.asn << ";\n"
       << "  neighbor " << v.peering.amazon_address.address.to_string() << " as " << amazon_asn(model, v) << ";\n"
       << "  password \"" << v.auth_key << "\";\n"
       << "  hold time " << v.hold_time_s << ";\n  keepalive time " << v.keepalive_s << ";\n";
    if (in.bfd) os << "  bfd on;\n";
    os << "  ipv4 {\n    import filter { bgp_local_pref = " << local_pref(in, v.id) << "; accept; };\n"
       << "    export filter {\n      if proto != \"onprem\" then reject;\n";
    if (auto it = in.communities.find(v.id); it != in.communities.end())
      for (uint32_t c : it->second) os << "      bgp_community.add((" << (c >> 16) << ", " << (c & 0xffff) << "));\n";
    if (auto it = in.prepend.find(v.id); it != in.prepend.end())
      for (int i = 0; i < it->second; ++i) os << "      bgp_path.prepend(" << v.asn << ");\n";
    os << "      accept;\n    };\n  };\n}\n";
  }
  return os.str();
}

}  // namespace vpngw::dx
