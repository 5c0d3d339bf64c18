#include "dx/dx_endpoint.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/config/config_error.hpp"
#include "gateway/endpoint_state.hpp"
#include "proto/bgp/instance.hpp"
#include "proto/bgp/message.hpp"
#include "runtime/daemon.hpp"
#include "tun/netlink.hpp"

namespace vpngw::dx {

namespace {

// The connection a VIF's traffic rides: its own, or for a VIF on a LAG, the LAG (run as one link).
const EndpointLink* link_of(const DxEndpointConfig& cfg, const VirtualInterface& vif) {
  for (const auto& l : cfg.links)
    if (l.connection == vif.connection) return &l;
  for (const auto& l : cfg.links)  // a LAG given by one of its member connections
    if (const Connection* c = cfg.model.connection(l.connection); c && c->lag == vif.connection) return &l;
  return nullptr;
}

// Hosted speeds are policed: a hosted connection's own, or a partner's connection its hosted VIFs share.
uint64_t police_rate(const DirectConnectConfig& model, const std::string& connection) {
  const Connection* c = model.connection(connection);
  if (!c) return 0;
  return c->type == ConnectionType::hosted || c->owner == Owner::partner ? c->bits_per_second : 0;
}

}  // namespace

DxEndpointPlan plan_endpoint(const DxEndpointConfig& cfg) {
  DxEndpointPlan plan;
  const std::string where = "dx endpoint " + cfg.name;
  std::map<std::string, size_t> port_of;  // device -> index in plan.ports
  for (const auto& l : cfg.links) {
    if (!cfg.model.connection(l.connection) && !cfg.model.lag(l.connection))
      throw ConfigError(where + ": link " + l.connection + "=" + l.device + ": no [[dx_connection]] or [[dx_lag]] has that id");
    if (port_of.count(l.device)) throw ConfigError(where + ": link device " + l.device + " given twice");
    port_of[l.device] = plan.ports.size();
    VlanPortConfig port;
    port.link = l.device;
    port.police_bits_per_second = police_rate(cfg.model, l.connection);
    plan.ports.push_back(std::move(port));
  }
  std::optional<uint32_t> asn;
  std::string asn_from;
  for (const auto& v : cfg.model.vifs) {
    const EndpointLink* link = link_of(cfg, v);
    if (!link) continue;
    const uint32_t a = amazon_asn(cfg.model, v);
    if (asn && *asn != a)
      throw ConfigError(where + ": VIF " + v.id + " has AWS-side ASN " + std::to_string(a) + " but " + asn_from + " has " +
                        std::to_string(*asn) + "; one endpoint serves one AWS-side ASN (run one per Direct Connect gateway)");
    asn = a;
    asn_from = "VIF " + v.id;
    const size_t index = port_of[link->device];
    VifPlan p{v.id, v.connection, link->device, v.vlan, "v" + std::to_string(index) + "-" + std::to_string(v.vlan), v.type, v.peering};
    plan.ports[index].vifs.push_back({v.vlan, p.tap, v.peering.amazon_address, v.mtu});
    BgpNeighborConfig n;
    n.name = v.id;
    n.address = v.peering.customer_address.address;
    n.local_address = v.peering.amazon_address.address;
    n.remote_asn = v.asn;
    n.md5_password = v.auth_key;
    n.hold_time = v.hold_time_s;
    n.keepalive = v.keepalive_s;
    n.max_prefixes = v.max_prefixes();
    n.ttl = 1;
    n.bfd = !n.address.v6;  // passive: effective once the customer's router starts BFD
    // What AWS tags its announcements with on a public VIF: 7224:8100, prefixes of the local Region.
    if (v.type == VifType::public_vif) n.communities = {7224u << 16 | 8100};
    plan.bgp.neighbors.push_back(std::move(n));
    plan.vifs.push_back(std::move(p));
  }
  if (plan.vifs.empty()) throw ConfigError(where + ": no VIF runs on the links given (--link CONNECTION=DEVICE)");
  plan.amazon_asn = *asn;
  plan.bgp.asn = *asn;
  plan.bgp.hold_time = VirtualInterface{}.hold_time_s;
  plan.bgp.keepalive = VirtualInterface{}.keepalive_s;
  plan.bgp.listen_port = cfg.bgp_listen_port;
  plan.bgp.kernel_routes = false;  // the VGW router decides, across VIFs and tunnels
  plan.bgp.bfd_passive = true;
  plan.bgp.export_prefixes = cfg.export_prefixes;
  plan.bgp.router_id = plan.vifs.front().peering.amazon_address.address;
  return plan;
}

namespace {

// Counters sampled once a second for CloudWatch's rates (AWS/DX reports per-period averages).
struct Rate {
  uint64_t last_bytes = 0, last_frames = 0;
  double bps = 0, pps = 0;
  void sample(uint64_t bytes, uint64_t frames, double seconds) {
    if (seconds > 0) {
      bps = double(bytes - last_bytes) * 8 / seconds;
      pps = double(frames - last_frames) / seconds;
    }
    last_bytes = bytes;
    last_frames = frames;
  }
};

std::string operstate(const std::string& device) {
  std::ifstream f("/sys/class/net/" + device + "/operstate");
  std::string s;
  f >> s;
  return s.empty() ? "missing" : s;
}

class Endpoint {
 public:
  Endpoint(const DxEndpointConfig& cfg, Daemon& daemon) : cfg_(cfg), plan_(plan_endpoint(cfg)), daemon_(daemon) {
    for (const auto& p : plan_.ports) ports_.push_back(std::make_unique<VlanPort>(p));
    bgp_ = std::make_unique<bgp::Instance>(daemon, plan_.bgp, plan_.bgp.router_id->v4_host_order(), bgp::InstanceHooks{});
    vif_in_.resize(plan_.vifs.size());
    vif_out_.resize(plan_.vifs.size());
    link_in_.resize(ports_.size());
    link_out_.resize(ports_.size());
  }

  void start() {
    for (auto& p : ports_) p->start();
    bgp_->start();
    last_sample_ns_ = monotonic_ns();
    spdlog::info("{}: AWS-side ASN {}, {} link(s), {} VIF(s)", cfg_.name, plan_.amazon_asn, ports_.size(), plan_.vifs.size());
  }
  void stop() {
    for (auto& p : ports_) p->stop();
  }

  // Once a second: the rates CloudWatch's metrics report.
  void sample() {
    const int64_t now = monotonic_ns();
    const double seconds = double(now - last_sample_ns_) / 1e9;
    last_sample_ns_ = now;
    for (size_t i = 0; i < ports_.size(); ++i) {
      const auto st = ports_[i]->stats();
      uint64_t in_b = 0, in_f = 0, out_b = 0, out_f = 0;
      for (const auto& v : st["vifs"]) {
        const size_t vi = vif_index(plan_.ports[i].link, v["vlan"].get<uint16_t>());
        const uint64_t ib = v["from_link"]["bytes"], ifr = v["from_link"]["frames"], ob = v["to_link"]["bytes"], ofr = v["to_link"]["frames"];
        if (vi < plan_.vifs.size()) {
          vif_in_[vi].sample(ib, ifr, seconds);
          vif_out_[vi].sample(ob, ofr, seconds);
        }
        in_b += ib, in_f += ifr, out_b += ob, out_f += ofr;
      }
      link_in_[i].sample(in_b, in_f, seconds);
      link_out_[i].sample(out_b, out_f, seconds);
    }
  }

  EndpointState endpoint_state(const std::string& vif) const {
    const auto it = std::find_if(plan_.vifs.begin(), plan_.vifs.end(), [&](const VifPlan& v) { return v.id == vif; });
    if (it == plan_.vifs.end()) throw std::invalid_argument("no VIF named '" + vif + "' here");
    EndpointState e;
    e.gateway = cfg_.name + "/" + vif;
    e.outside_address = it->peering.amazon_address.address;
    e.bgp_configured = true;
    const auto& speaker = bgp_->speaker();
    e.bgp_up = !down_.count(vif) && speaker.established(vif);
    if (e.bgp_up)
      speaker.for_each_path_from(vif, [&](const IpPrefix& p, const bgp::PathAttributes& a) {
        e.routes.push_back({p, uint32_t(a.as_path.length()), a.as_path.first_asn().value_or(0), a.med, a.communities});
      });
    return e;
  }

  // AWS deleting the VIF (or the customer's own maintenance): the session ends with a Cease and the
  // TAP goes down, so nothing crosses the VLAN until it is brought back.
  void set_vif_down(const std::string& vif, bool down) {
    const auto it = std::find_if(plan_.vifs.begin(), plan_.vifs.end(), [&](const VifPlan& v) { return v.id == vif; });
    if (it == plan_.vifs.end()) throw std::invalid_argument("no VIF named '" + vif + "' here");
    Netlink nl;
    nl.set_link_up(Netlink::ifindex(it->tap), !down);
    if (down) {
      down_.insert(vif);
      bgp_->speaker().neighbor_path_down(it->peering.customer_address.address, "VIF " + vif + " deleted");
    } else {
      down_.erase(vif);
      // A TAP brought up again loses its address routes only when its address is gone; re-adding
      // is refused as a duplicate, which is fine.
      try {
        nl.add_address(Netlink::ifindex(it->tap), it->peering.amazon_address.address, it->peering.amazon_address.length);
      } catch (const std::exception&) {
      }
    }
    spdlog::info("{}: VIF {} {}", cfg_.name, vif, down ? "deleted (down)" : "restored");
  }

  nlohmann::json summary() const {
    nlohmann::json j{{"name", cfg_.name}, {"amazon_side_asn", plan_.amazon_asn}};
    const auto bgp = bgp_->summary();
    auto& conns = j["connections"] = nlohmann::json::array();
    for (size_t i = 0; i < ports_.size(); ++i) {
      const auto st = ports_[i]->stats();
      const std::string state = operstate(plan_.ports[i].link);
      const auto& link = cfg_.links[i];
      const Connection* c = cfg_.model.connection(link.connection);
      conns.push_back({{"id", link.connection},
                       {"device", link.device},
                       {"bandwidth", c ? c->bandwidth : std::string()},
                       {"type", c ? std::string(to_string(c->type)) : std::string("lag")},
                       {"link_state", state},
                       {"ConnectionState", state == "up" ? 1 : 0},
                       {"ConnectionBpsIngress", link_in_[i].bps},
                       {"ConnectionBpsEgress", link_out_[i].bps},
                       {"ConnectionPpsIngress", link_in_[i].pps},
                       {"ConnectionPpsEgress", link_out_[i].pps},
                       {"police_bits_per_second", st["police_bits_per_second"]},
                       {"counters", st["counters"]}});
    }
    auto& vifs = j["vifs"] = nlohmann::json::array();
    for (size_t i = 0; i < plan_.vifs.size(); ++i) {
      const auto& v = plan_.vifs[i];
      nlohmann::json n;
      for (const auto& x : bgp["neighbors"])
        if (x["name"] == v.id) n = x;
      const bool up = !down_.count(v.id) && n.value("state", "") == "Established";
      uint64_t bytes_in = 0, bytes_out = 0;
      for (size_t p = 0; p < ports_.size(); ++p) {
        if (plan_.ports[p].link != v.device) continue;
        const auto st = ports_[p]->stats();
        for (const auto& s : st["vifs"])
          if (s["vlan"] == v.vlan) bytes_in = s["from_link"]["bytes"], bytes_out = s["to_link"]["bytes"];
      }
      // The Direct Connect gateway's routes from this VIF: what the customer announced on it.
      nlohmann::json routes = nlohmann::json::array();
      for (const auto& r : endpoint_state(v.id).routes) {
        std::string text = r.prefix.to_string();
        for (uint32_t c : r.communities) text += " [" + bgp::community_to_string(c) + "]";
        routes.push_back(text);
      }
      vifs.push_back({{"id", v.id},
                      {"routes", std::move(routes)},
                      {"type", std::string(to_string(v.type))},
                      {"connection", v.connection},
                      {"vlan", v.vlan},
                      {"tap", v.tap},
                      {"amazon_address", v.peering.amazon_address.to_string()},
                      {"customer_address", v.peering.customer_address.to_string()},
                      // AWS's virtualInterfaceState: available once BGP is up, down otherwise (deleted: gone)
                      {"state", down_.count(v.id) ? "deleted" : up ? "available" : "down"},
                      {"bgp_state", n.value("state", "Idle")},
                      {"prefixes_accepted", n.value("prefixes_accepted", 0)},
                      {"prefixes_exported", n.value("prefixes_exported", 0)},
                      {"bytes_in", bytes_in},
                      {"bytes_out", bytes_out},
                      {"VirtualInterfaceBpsIngress", vif_in_[i].bps},
                      {"VirtualInterfaceBpsEgress", vif_out_[i].bps}});
    }
    j["bgp"] = bgp;
    if (auto bfd = bgp_->bfd_summary(); !bfd.is_null()) j["bfd"] = std::move(bfd);
    return j;
  }

 private:
  size_t vif_index(const std::string& device, uint16_t vlan) const {
    for (size_t i = 0; i < plan_.vifs.size(); ++i)
      if (plan_.vifs[i].device == device && plan_.vifs[i].vlan == vlan) return i;
    return plan_.vifs.size();
  }

  const DxEndpointConfig& cfg_;
  DxEndpointPlan plan_;
  Daemon& daemon_;
  std::vector<std::unique_ptr<VlanPort>> ports_;
  std::unique_ptr<bgp::Instance> bgp_;
  std::set<std::string> down_;
  std::vector<Rate> vif_in_, vif_out_, link_in_, link_out_;
  int64_t last_sample_ns_ = 0;
};

std::string label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

// CloudWatch's AWS/DX metrics as Prometheus text, from summary().
std::string render_dx_metrics(const nlohmann::json& s) {
  std::ostringstream os;
  struct Metric {
    const char *name, *key, *help;
    bool vif;
  };
  static constexpr Metric kMetrics[] = {
      {"aws_dx_connection_state", "ConnectionState", "ConnectionState: 1 when the link is up", false},
      {"aws_dx_connection_bps_egress", "ConnectionBpsEgress", "ConnectionBpsEgress: bits/s AWS sent on the connection", false},
      {"aws_dx_connection_bps_ingress", "ConnectionBpsIngress", "ConnectionBpsIngress: bits/s AWS received on the connection", false},
      {"aws_dx_connection_pps_egress", "ConnectionPpsEgress", "ConnectionPpsEgress: packets/s AWS sent", false},
      {"aws_dx_connection_pps_ingress", "ConnectionPpsIngress", "ConnectionPpsIngress: packets/s AWS received", false},
      {"aws_dx_virtual_interface_bps_egress", "VirtualInterfaceBpsEgress", "VirtualInterfaceBpsEgress: bits/s AWS sent on the VIF", true},
      {"aws_dx_virtual_interface_bps_ingress", "VirtualInterfaceBpsIngress", "VirtualInterfaceBpsIngress: bits/s AWS received on the VIF", true},
  };
  for (const auto& m : kMetrics) {
    os << "# HELP " << m.name << " " << m.help << "\n# TYPE " << m.name << " gauge\n";
    for (const auto& x : s[m.vif ? "vifs" : "connections"]) {
      const std::string id = x.value("id", "");
      os << m.name << "{" << (m.vif ? "virtual_interface_id=\"" + label(id) + "\",connection_id=\"" + label(x.value("connection", "")) + "\""
                                    : "connection_id=\"" + label(id) + "\"")
         << "} " << x.value(m.key, 0.0) << "\n";
    }
  }
  return os.str();
}

}  // namespace

void run_dx_endpoint(const DxEndpointConfig& cfg, const std::string& stats_path, uint16_t metrics_port) {
  Daemon daemon({"dx " + cfg.name, cfg.management_socket.empty() ? ManagementServer::default_path(cfg.name) : cfg.management_socket,
                 stats_path, std::chrono::seconds(1), metrics_port, std::chrono::seconds(2)});
  Endpoint endpoint(cfg, daemon);
  daemon.every(std::chrono::seconds(1), [&] { endpoint.sample(); });
  daemon.stats([&] { return endpoint.summary(); });
  daemon.command("dx", [&](const nlohmann::json&) { return endpoint.summary(); });
  daemon.command("endpoint state", [&](const nlohmann::json& req) { return to_json(endpoint.endpoint_state(req.value("vif", ""))); });
  daemon.command("vif down", [&](const nlohmann::json& req) {
    endpoint.set_vif_down(req.value("vif", ""), true);
    return endpoint.summary();
  });
  daemon.command("vif up", [&](const nlohmann::json& req) {
    endpoint.set_vif_down(req.value("vif", ""), false);
    return endpoint.summary();
  });
  daemon.metrics([&] { return render_dx_metrics(endpoint.summary()); });
  daemon.run([&] { endpoint.start(); });
  endpoint.stop();
}

}  // namespace vpngw::dx
