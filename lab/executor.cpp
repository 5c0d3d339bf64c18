#include "lab/executor.hpp"

#include <signal.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <thread>

#include "clientvpn/endpoint_config.hpp"
#include "clientvpn/pki.hpp"
#include "dx/customer_render.hpp"
#include "dx/dx_config_toml.hpp"
#include "lab/netns.hpp"
#include "lab/network_plan.hpp"
#include "lab/process.hpp"
#include "runtime/management_server.hpp"
#include "s2s/render.hpp"
#include "tun/netlink.hpp"

namespace vpngw::lab {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class Builder {
 public:
  Builder(const Topology& t, const LabOptions& o, std::ostream& progress) : t_(t), o_(o), out_(progress) {}

  void build() {
    fs::create_directories(o_.work);
    const NetworkPlan plan = plan_network(t_);
    say("lab " + t_.name + (t_.description.empty() ? "" : ": " + t_.description));
    say("nodes: " + joined(plan.nodes) + " (namespaces " + o_.prefix + "-*)");
    apply(plan);
    if (!t_.hosts.empty()) {
      std::string list;
      for (const auto& h : t_.hosts) list += h.name + " " + h.address.to_string() + "  ";
      say("hosts: " + list);
    }
    if (t_.dx) direct_connect_aws();
    if (t_.s2s) site_to_site();
    if (t_.dx) direct_connect_customer();
    if (t_.client_vpn) client_vpn();
  }

 private:
  std::string ns(const std::string& node) const { return o_.prefix + "-" + node; }

  void say(const std::string& line) { progress_line(out_, line); }

  static std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  }

  // ---- the network

  void apply(const NetworkPlan& plan) { apply_network(plan, o_.prefix); }

  // ---- processes and waits

  pid_t start(const std::string& node, const std::string& name, std::vector<std::string> argv) {
    const pid_t pid = start_process(o_.work, {ns(node), name, std::move(argv)});
    started_.emplace_back(name, pid);
    return pid;
  }

  void wait_for(std::chrono::seconds limit, const std::string& what, const std::function<bool()>& ready) {
    wait_for_ready(limit, what, ready, started_, o_.work);
  }

  static nlohmann::json ask(const std::string& socket, const std::string& command) {
    return management_request(socket, {{"command", command}}, 1000ms);
  }

  static size_t count(const nlohmann::json& list, const char* key, const char* value) {
    size_t n = 0;
    for (const auto& e : list) n += e.value(key, "") == value;
    return n;
  }

  // ---- Site-to-Site: the gateways rendered from the model, started, and waited for

  void site_to_site() {
    const SiteToSite& s = *t_.s2s;
    s2s::RenderInputs in;
    in.aws_outside = {*IpAddress::parse(kTunnel1Outside), *IpAddress::parse(kTunnel2Outside)};
    for (const auto& v : t_.vpcs) in.vpc_cidrs.push_back(v.cidr);
    in.onprem_cidrs = {*t_.onprem_cidr};
    in.bgp_hold_time = s.bgp_hold_time;
    in.bgp_keepalive = s.bgp_keepalive;
    in.bfd_interval_ms = s.bfd_interval_ms;
    in.customer_multipath = s.customer_multipath;
    in.customer_prepend = s.customer_prepend;
    if (s.aws_limits) in.aws_limits.emplace();
    say("configs: the Site-to-Site model rendered (AWS's defaults: random inside CIDRs and pre-shared keys)");
    const auto r = s2s::render_connection(s.model, s.connection, in);
    const fs::path configs = o_.work / "configs";
    fs::create_directories(configs);
    auto write = [&](const std::string& name, const std::string& text) {
      const fs::path path = configs / (name + ".toml");
      std::ofstream f(path);
      f << text;
      if (!f.flush()) throw std::runtime_error(path.string() + ": cannot write");
      return path.string();
    };
    const std::string vpngw = o_.vpngw.string();
    std::array<std::string, 2> sockets;
    for (size_t i = 0; i < 2; ++i) {
      // a crashed lab's socket would look like a live gateway to the waits below
      sockets[i] = ManagementServer::default_path(r.aws_endpoint_name[i]);
      fs::remove(sockets[i]);
    }
    const std::string cgw_socket = ManagementServer::default_path(r.customer_gateway_name);
    fs::remove(cgw_socket);
    fs::remove(vpc_router_socket(o_.prefix));

    say("AWS tunnel endpoints: t1 (" + r.aws_endpoint_name[0] + "), t2 (" + r.aws_endpoint_name[1] + ")");
    for (size_t i = 0; i < 2; ++i) {
      const std::string node = "t" + std::to_string(i + 1);
      start(node, node, {vpngw, "gateway", "--config", write(r.aws_endpoint_name[i], r.aws_endpoint[i]), "--stats",
                         (o_.work / (node + ".json")).string()});
    }
    say(s.kind + " router: AWS's route priority towards on-prem");
    std::vector<std::string> vgw{vpngw, "s2s", "vgw", "--name", o_.prefix + "-vgw", "--poll-ms", std::to_string(o_.vgw_poll_ms),
                                 "--metrics-port", std::to_string(o_.vgw_metrics_port)};
    if (s.kind == "tgw") vgw.push_back("--transit");
    const std::array<std::string_view, 2> next_hop{kTunnel1Link, kTunnel2Link};
    for (size_t i = 0; i < 2; ++i) {
      vgw.insert(vgw.end(), {"--endpoint", r.aws_endpoint_name[i] + "," + sockets[i] + "," + std::string(next_hop[i])});
      // a static connection's routes (the model's `routes`), through either tunnel
      if (s.kind == "static") vgw.insert(vgw.end(), {"--static", t_.onprem_cidr->to_string() + "," + r.aws_endpoint_name[i]});
    }
    vgw.insert(vgw.end(), dx_vgw_args_.begin(), dx_vgw_args_.end());
    start("vgw", "vgw", vgw);
    wait_for(10s, "the tunnel endpoints' management sockets", [&] { return fs::exists(sockets[0]) && fs::exists(sockets[1]); });

    say("customer gateway " + s.customer_gateway + " (vpngw): initiates both tunnels" +
        std::string(t_.dx ? ", and runs the Direct Connect VIFs' BGP sessions" : ""));
    start("cgw", "cgw", {vpngw, "gateway", "--config", write(r.customer_gateway_name, r.customer_gateway + dx_cgw_neighbors_), "--stats",
                         (o_.work / "cgw.json").string()});
    wait_for(10s, "the customer gateway's management socket", [&] { return fs::exists(cgw_socket); });
    if (s.kind == "static") {
      wait_for(60s, "both tunnels at the customer gateway",
               [&] { return count(ask(cgw_socket, "ike")["tunnels"], "TunnelIKEPhase2State", "Established") >= 2; });
    } else {
      wait_for(60s, "both BGP sessions at the customer gateway",
               [&] { return count(ask(cgw_socket, "bgp summary")["neighbors"], "state", "Established") >= 2; });
    }
    wait_for(20s, "the " + s.kind + "'s routes towards on-prem", [&] { return !ask(vpc_router_socket(o_.prefix), "vgw")["routes"].empty(); });
    say("Site-to-Site up: both tunnels Established" + std::string(s.kind == "static" ? " (static routing)" : ", both BGP sessions Established"));
  }

  // ---- Direct Connect: AWS's end (VLAN ports and a BGP session per VIF) in the VPC router's
  // node, the customer's VLAN ports and router at the on-prem edge, the VIFs in the VGW router

  std::string dx_socket() const { return ManagementServer::default_path(o_.prefix + "-dx"); }

  void direct_connect_aws() {
    const DirectConnect& d = *t_.dx;
    const fs::path configs = o_.work / "configs";
    fs::create_directories(configs);
    const fs::path model = configs / "dx-model.toml";
    std::ofstream(model) << dx::to_toml(d.model);  // AWS's defaults resolved once, for both ends
    fs::remove(dx_socket());
    std::vector<std::string> serve{o_.vpngw.string(), "dx", "serve", "--config", model.string(), "--name", o_.prefix + "-dx",
                                   "--stats", (o_.work / "dx.json").string(), "--metrics-port", std::to_string(o_.dx_metrics_port)};
    for (const auto& l : d.customer.links) serve.insert(serve.end(), {"--link", l.connection + "=" + l.device});
    for (const auto& v : t_.vpcs) serve.insert(serve.end(), {"--export", v.cidr.to_string()});
    say("Direct Connect: " + std::to_string(d.linked.size()) + " connection(s), " + std::to_string(d.model.vifs.size()) +
        " VIF(s); AWS's end (vpngw dx serve) in vgw");
    start("vgw", "dx", serve);
    wait_for(10s, "the Direct Connect endpoint's management socket", [&] { return fs::exists(dx_socket()); });
    const auto ports = dx::customer_ports(d.model, d.customer);
    for (size_t i = 0; i < ports.size(); ++i) {
      std::vector<std::string> argv{o_.vpngw.string(), "dx", "port"};
      const auto args = dx::port_arguments(ports[i]);
      argv.insert(argv.end(), args.begin(), args.end());
      argv.insert(argv.end(), {"--socket", (o_.work / ("dxport" + std::to_string(i) + ".sock")).string()});
      start("cgw", "dxport" + std::to_string(i), argv);
    }
    for (const auto& v : d.model.vifs)
      dx_vgw_args_.insert(dx_vgw_args_.end(),
                          {"--dx-endpoint", v.id + "," + dx_socket() + "," + v.id + "," + v.peering.customer_address.address.to_string()});
    if (t_.s2s) dx_cgw_neighbors_ = dx::render_customer_neighbors(d.model, d.customer);
  }

  void direct_connect_customer() {
    const DirectConnect& d = *t_.dx;
    if (!t_.s2s) {
      say("virtual private gateway router: Direct Connect BGP first (AWS's route priority)");
      std::vector<std::string> vgw{o_.vpngw.string(), "s2s", "vgw", "--name", o_.prefix + "-vgw", "--poll-ms",
                                   std::to_string(o_.vgw_poll_ms), "--metrics-port", std::to_string(o_.vgw_metrics_port)};
      vgw.insert(vgw.end(), dx_vgw_args_.begin(), dx_vgw_args_.end());
      fs::remove(vpc_router_socket(o_.prefix));
      start("vgw", "vgw", vgw);
      const fs::path configs = o_.work / "configs";
      if (d.customer_router == "bird") {
        const fs::path conf = configs / "customer-bird.conf";
        std::ofstream(conf) << dx::render_bird(d.model, d.customer);
        say("customer router: BIRD (config from vpngw dx export-router --vendor bird)");
        start("cgw", "bird", {"bird", "-f", "-c", conf.string(), "-s", (o_.work / "bird.ctl").string()});
      } else {
        const fs::path conf = configs / "customer-router.toml";
        dx::CustomerInputs in = d.customer;
        in.name = o_.prefix + "-cgw";  // its management socket: /run/vpngw/<prefix>-cgw.sock
        std::ofstream(conf) << dx::render_customer_router(d.model, in);
        say("customer router: vpngw router");
        start("cgw", "router", {o_.vpngw.string(), "router", "--config", conf.string(), "--stats", (o_.work / "router.json").string()});
      }
    }
    wait_for(t_.s2s ? 90s : 60s, "every VIF's BGP session", [&] {
      const auto vifs = ask(dx_socket(), "dx")["vifs"];
      return count(vifs, "state", "available") == vifs.size();
    });
    wait_for(20s, "the virtual private gateway's routes over Direct Connect", [&] {
      const auto routes = ask(vpc_router_socket(o_.prefix), "vgw")["routes"];
      for (const auto& r : routes)
        for (const auto& via : r["via"])
          for (const auto& v : d.model.vifs)
            if (via == v.id) return true;
      return false;
    });
    say("Direct Connect up: every VIF available, its BGP session Established");
  }

  // ---- Client VPN: PKI, the endpoint with its ENIs in their subnets, the lab DNS, the clients

  void client_vpn() {
    const fs::path endpoint_toml = o_.work / "endpoint.toml";
    std::ofstream(endpoint_toml) << t_.endpoint_toml;
    const ClientVpnConfig cfg = load_clientvpn_config(endpoint_toml.string());
    const fs::path pki_dir = o_.work / "pki";
    if (!fs::exists(pki_dir / "ca.crt")) pki::init(pki_dir.string(), cfg.dns_name());
    const fs::path stats = o_.work / "stats.json";
    fs::remove(stats);
    say("Client VPN endpoint (vpngw clientvpn serve) at " + std::string(kEndpointOutside) + ":" + std::to_string(cfg.port) +
        ", its PKI, " + std::to_string(t_.client_vpn->enis.size()) + " ENI(s)");
    start("cvpn", "endpoint", {o_.vpngw.string(), "clientvpn", "serve", "--config", endpoint_toml.string(), "--stats", stats.string(),
                               "--socket", (o_.work / "endpoint.sock").string()});
    wait_for(10s, "the Client VPN endpoint", [&] { return fs::exists(stats) && fs::file_size(stats) > 0; });
    {
      EnterNetns in(ns("cvpn"));
      Netlink nl;
      for (const auto& [device, bridge] : t_.client_vpn->enis) nl.set_master(Netlink::ifindex(device), Netlink::ifindex("br-" + bridge));
    }
    // The lab's DNS answers every name under the endpoint's (remote-random-hostname prepends a
    // random label) with the endpoint's address.
    start("net", "dnsmasq", {"dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--user=root",
                             "--bind-interfaces", "--listen-address=" + std::string(kDnsAddress),
                             "--address=/" + cfg.dns_name() + "/" + std::string(kEndpointOutside), "--log-facility=-",
                             "--pid-file"});  // none: the lab holds its PID
    const std::string ca = pki::read_file((pki_dir / "ca.crt").string());
    for (const auto& c : t_.client_vpn->clients) {
      const fs::path etc = fs::path("/etc/netns") / ns(c.name);
      fs::create_directories(etc);
      std::ofstream(etc / "resolv.conf") << "nameserver " << kDnsAddress << "\n";
      pki::issue_client(pki_dir.string(), c.name, c.group);
      const fs::path ovpn = o_.work / (c.name + ".ovpn");
      std::ofstream(ovpn) << pki::client_config(cfg, ca, pki::read_file((pki_dir / (c.name + ".crt")).string()),
                                                pki::read_file((pki_dir / (c.name + ".key")).string()));
      start(c.name, c.name, {"openvpn", "--config", ovpn.string()});
    }
    for (const auto& c : t_.client_vpn->clients) {
      const fs::path log = o_.work / (c.name + ".log");
      wait_for(30s, "client " + c.name + " to connect", [&] {
        std::ifstream in(log);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return text.find("Initialization Sequence Completed") != std::string::npos;
      });
    }
    if (!t_.client_vpn->clients.empty()) {
      std::string names;
      for (const auto& c : t_.client_vpn->clients) names += c.name + " ";
      say("clients connected: " + names);
    }
  }

  const Topology& t_;
  const LabOptions& o_;
  std::ostream& out_;
  std::vector<std::pair<std::string, pid_t>> started_;
  std::vector<std::string> dx_vgw_args_;  // --dx-endpoint per VIF for the VGW router
  std::string dx_cgw_neighbors_;          // the VIFs' sessions, added to the customer gateway's file
};

}  // namespace

void progress_line(std::ostream& out, const std::string& line) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  out << std::put_time(&tm, "%H:%M:%S") << "." << std::setw(3) << std::setfill('0') << ms << std::setfill(' ') << "  " << line
      << std::endl;
}

void apply_network(const NetworkPlan& plan, const std::string& prefix) {
  auto ns = [&](const std::string& node) { return prefix + "-" + node; };
  for (const auto& n : plan.nodes) create_netns(ns(n));
  for (const auto& s : plan.sysctls) {
    EnterNetns in(ns(s.node));
    write_sysctl(s.key, s.value);
  }
  for (const auto& b : plan.bridges) {
    EnterNetns in(ns(b.node));
    Netlink nl;
    nl.add_bridge(b.name);
    const int index = Netlink::ifindex(b.name);
    for (const auto& a : b.addresses) nl.add_address(index, a.ip, a.length);
    nl.set_link_up(index, true);
  }
  for (const auto& v : plan.veths) {
    {
      NetnsFd far(ns(v.b.node));
      EnterNetns in(ns(v.a.node));
      Netlink nl;
      nl.add_veth(v.a.device, v.b.device, far.fd());
    }
    for (const VethEnd* end : {&v.a, &v.b}) {
      EnterNetns in(ns(end->node));
      Netlink nl;
      const int index = Netlink::ifindex(end->device);
      if (!end->bridge.empty()) nl.set_master(index, Netlink::ifindex(end->bridge));
      if (end->address) nl.add_address(index, end->address->ip, end->address->length);
      nl.set_link_up(index, true);
    }
  }
  for (const auto& a : plan.addresses) {
    EnterNetns in(ns(a.node));
    Netlink nl;
    nl.add_address(Netlink::ifindex(a.device), a.address.ip, a.address.length);
  }
  for (const auto& r : plan.routes) {
    EnterNetns in(ns(r.node));
    Netlink nl;
    nl.replace_route_via(r.prefix, {r.via}, Netlink::kProtoStatic);
  }
}

void build_lab(const Topology& t, const LabOptions& o, std::ostream& progress) { Builder(t, o, progress).build(); }

void remove_lab(const std::string& prefix, const std::filesystem::path& work) {
  stop_processes(work, 3000ms);  // gateways write their final stats on SIGTERM
  for (const auto& name : list_netns(prefix)) {
    for (pid_t pid : pids_in_netns(name)) ::kill(pid, SIGTERM);
  }
  if (!list_netns(prefix).empty()) std::this_thread::sleep_for(300ms);
  for (const auto& name : list_netns(prefix)) delete_netns(name);
}

std::string vpc_router_socket(const std::string& prefix) { return ManagementServer::default_path(prefix + "-vgw"); }

}  // namespace vpngw::lab
