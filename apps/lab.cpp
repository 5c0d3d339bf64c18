#include "apps/lab.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/ctl.hpp"
#include "apps/guarded.hpp"
#include "apps/data_files.hpp"
#include "apps/stream.hpp"
#include "lab/collect.hpp"
#include "lab/failover.hpp"
#include "lab/executor.hpp"
#include "lab/netns.hpp"
#include "lab/network_plan.hpp"
#include "lab/process.hpp"
#include "lab/topology.hpp"
#include "runtime/management_server.hpp"

namespace vpngw {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage = R"(usage: vpngw lab COMMAND
  up [TOPOLOGY]           build a lab from a topology file (docs/reference/lab-topology.md) or a
                          built-in one: default (Site-to-Site and Client VPN into one VPC), s2s,
                          s2s-tgw, s2s-static, clientvpn, dx, dx-vpn. Starts over if a lab is up.
  down                    remove it, whatever state it is in (also after a crash)
  status                  nodes, tunnels, BGP sessions, routes, client connections
  exec NODE -- CMD...     run CMD in a node: hosts and clients by name; cgw, t1, t2, vgw, cvpn, net
  extend FRAGMENT         add the nodes, bridges, links and routes of a topology fragment (a file,
                          or - for stdin) to the lab that is up (a driver's clients, say)
  start NODE NAME -- CMD...
                          start CMD in a node in the background, log in DIR/NAME.log; prints its
                          PID, which `lab down` stops (test drivers start their peers so)
  plan TOPOLOGY           the namespaces, bridges, links and routes a topology makes
  check TOPOLOGY          read a topology file and say what it holds or what is wrong
  report [--out DIR]      a terminal summary and the page DIR/report.html (default ./vpngw-report-*):
                          status, metrics, connections, and what a run left in DIR (the demo's
                          failover, NAT proofs, authorization)
  capture TUNNEL [--seconds N] [--out DIR]
                          the tunnel's ESP at the customer gateway (tunnel1 or tunnel2; default
                          10 s) as DIR/TUNNEL.pcap, its SAs as Wireshark's esp_sa table, decode.sh
  failover [--methods bfd,bgp,dpd] [--faults kill,linkdown,stop] [--hold S] [--out DIR] [--topology T]
                          measured failovers under a 1000 pps stream, each in a lab of its own
                          (default topology s2s; BGP hold S seconds, default 30): table, JSON, SVG.
                          On a Direct Connect lab (--topology dx-vpn) the VIF fails (faults
                          linkdown, stop, vifdelete; methods bfd, bgp: the VIF's hold time, 90 s)
  failover --running [--label L] [--fault F]
                          one measurement on the lab that is up (detection as it was built)
up, down, status, exec, extend and start take --prefix P (namespaces P-*, default "lab") and --dir DIR (configs, logs,
PIDs; default /run/vpngw-lab/work, or /run/vpngw-lab/P with another prefix): test drivers run
their own labs beside the user's.
)";

// Marks a folder `lab up` made, which a later `lab up` may empty.
constexpr const char* kMarker = ".vpngw-lab";

struct Where {
  std::string prefix = "lab";
  fs::path dir = "/run/vpngw-lab/work";
};

// Takes "--name VALUE" out of args; `fallback` when it is not there.
std::string take_option(std::vector<std::string>& args, const std::string& name, const std::string& fallback) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != name) continue;
    std::string value = args[i + 1];
    args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
    return value;
  }
  return fallback;
}

bool take_flag(std::vector<std::string>& args, const std::string& name) {
  const auto it = std::find(args.begin(), args.end(), name);
  if (it == args.end()) return false;
  args.erase(it);
  return true;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string part; std::getline(ss, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

// Takes --prefix and --dir out of args; what is left are the command's own arguments.
// Another prefix without --dir gets a folder of its own: a lab's folder holds the PIDs `lab down`
// stops, and one lab must never stop another's.
Where take_where(std::vector<std::string>& args) {
  Where w;
  w.prefix = take_option(args, "--prefix", w.prefix);
  const std::string dir = take_option(args, "--dir", "");
  if (!dir.empty()) w.dir = fs::absolute(dir);
  else if (w.prefix != Where{}.prefix) w.dir = fs::path("/run/vpngw-lab") / w.prefix;
  return w;
}

bool is_root() { return ::geteuid() == 0; }

std::string topology_file(const std::string& name_or_path) {
  if (fs::is_regular_file(name_or_path)) return fs::absolute(name_or_path).string();
  const std::string builtin = find_data_file("lab/topologies/" + name_or_path + ".toml");
  if (!builtin.empty()) return builtin;
  std::string names;
  const std::string dir = fs::path(find_data_file("lab/topologies/default.toml")).parent_path().string();
  if (!dir.empty())
    for (const auto& e : fs::directory_iterator(dir)) names += " " + e.path().stem().string();
  throw std::runtime_error("no topology file '" + name_or_path + "'; built in:" + names);
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw std::runtime_error(path.string() + ": cannot write");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void status(const Where& w) {
  const fs::path saved = w.dir / "topology.toml";
  if (!fs::exists(saved)) throw std::runtime_error("no lab is up in " + w.dir.string() + " (vpngw lab up)");
  const auto t = lab::load_topology(saved.string(), w.dir.string());
  std::cout << "lab " << t.name << " (" << read_text(w.dir / "topology") << ")\n";
  std::cout << "nodes:";
  auto nodes = lab::list_netns(w.prefix);
  std::sort(nodes.begin(), nodes.end());
  for (const auto& n : nodes) std::cout << " " << n.substr(w.prefix.size() + 1);
  std::cout << "\n";
  for (const auto& h : t.hosts)
    std::printf("  host %-10s %-18s %s\n", h.name.c_str(), h.address.to_string().c_str(),
                h.segment == "lan" ? "on-prem" : ("VPC subnet (" + h.segment + ")").c_str());
  std::fflush(stdout);
  auto show = [](const char* what, auto&& print) {
    try {
      print();
    } catch (const std::exception& e) {
      std::cout << "(" << what << ": " << e.what() << ")\n";
    }
  };
  if (t.s2s) {
    const std::string cgw = ManagementServer::default_path(t.s2s->customer_gateway);
    std::cout << "\n-- customer gateway " << t.s2s->customer_gateway << "\n" << std::flush;
    show("ike", [&] { print_ike(management_request(cgw, {{"command", "ike"}}), false); });
    if (t.s2s->kind == "static") std::cout << "(static routing: no BGP)\n";
    else show("bgp", [&] { print_summary(management_request(cgw, {{"command", "bgp summary"}})); });
    std::fflush(stdout);
    std::cout << "-- AWS side (" << w.prefix << "-vgw)\n" << std::flush;
    show("vgw", [&] { print_vgw(management_request(lab::vpc_router_socket(w.prefix), {{"command", "vgw"}})); });
    std::fflush(stdout);
  }
  if (t.dx) {
    if (!t.s2s) {
      std::cout << "\n-- customer router (" << w.prefix << "-cgw, " << t.dx->customer_router << ")\n" << std::flush;
      if (t.dx->customer_router == "vpngw")
        show("bgp", [&] { print_summary(management_request(ManagementServer::default_path(w.prefix + "-cgw"), {{"command", "bgp summary"}})); });
      std::fflush(stdout);
    }
    std::cout << "\n-- Direct Connect, AWS's end (" << w.prefix << "-dx)\n" << std::flush;
    show("dx", [&] { print_dx(management_request(ManagementServer::default_path(w.prefix + "-dx"), {{"command", "dx"}})); });
    std::fflush(stdout);
    if (!t.s2s) {
      std::cout << "-- virtual private gateway (" << w.prefix << "-vgw)\n" << std::flush;
      show("vgw", [&] { print_vgw(management_request(lab::vpc_router_socket(w.prefix), {{"command", "vgw"}})); });
      std::fflush(stdout);
    }
  }
  if (t.client_vpn) {
    const std::string socket = (w.dir / "endpoint.sock").string();
    std::cout << "\n-- Client VPN endpoint (" << lab::kEndpointOutside << ")\n" << std::flush;
    show("connections", [&] { print_connections(management_request(socket, {{"command", "connections"}})); });
    std::fflush(stdout);
    show("stats", [&] {
      const auto s = management_request(socket, {{"command", "stats"}});
      std::cout << "handshakes " << s.value("handshakes", 0) << ", failed " << s.value("handshake_failures", 0) << "; from clients "
                << s["inbound"].value("rx_packets", 0) << " packets, dropped unauthorized "
                << s["inbound"].value("drop_rx_unauthorized", 0) << "; to clients " << s["outbound"].value("tx_packets", 0) << "\n";
    });
  }
}

lab::LabOptions lab_options(const Where& w) {
  lab::LabOptions o;
  o.prefix = w.prefix;
  o.work = w.dir;
  o.vpngw = fs::read_symlink("/proc/self/exe");
  return o;
}

int up(std::vector<std::string> args) {
  const Where w = take_where(args);
  if (args.size() > 1) throw std::runtime_error("vpngw lab up [TOPOLOGY] [--prefix P] [--dir DIR]");
  const std::string file = topology_file(args.empty() ? "default" : args[0]);
  // a broken topology stops here, before the running lab is touched
  const fs::path dir = fs::absolute(w.dir);
  const auto t = lab::load_topology(file, dir.string());
  // The folder is the lab's: refuse to empty one that holds something else (a mistyped --dir).
  if (fs::exists(dir) && !fs::is_empty(dir) && !fs::exists(dir / kMarker) && dir != Where{}.dir)
    throw std::runtime_error(dir.string() + " holds files that are not a lab's; give --dir an empty or new folder");
  lab::remove_lab(w.prefix, dir);
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file(dir / kMarker, "");
  fs::copy_file(file, dir / "topology.toml");
  write_file(dir / "topology", file);
  try {
    lab::build_lab(t, lab_options({w.prefix, dir}), std::cout);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + "\nvpngw lab up: failed; logs in " + dir.string() +
                             " (vpngw lab down removes what was built)");
  }
  std::cout << "\n";
  status({w.prefix, dir});
  std::cout << "\n";
  std::string onprem, vpc;
  for (const auto& h : t.hosts) {
    if (h.segment == "lan" && onprem.empty()) onprem = h.name;
    if (h.segment != "lan" && vpc.empty()) vpc = h.address.to_string();
  }
  if (!vpc.empty() && !onprem.empty()) std::cout << "try: vpngw lab exec " << onprem << " -- ping " << vpc << "\n";
  if (!vpc.empty() && t.client_vpn && !t.client_vpn->clients.empty())
    std::cout << "try: vpngw lab exec " << t.client_vpn->clients[0].name << " -- ping " << vpc << "\n";
  std::cout << "     vpngw lab status      vpngw lab report      vpngw lab down\n";
  return 0;
}

int down(std::vector<std::string> args) {
  const Where w = take_where(args);
  lab::remove_lab(w.prefix, w.dir);
  std::error_code ignored;
  for (const char* f : {"topology", "topology.toml"}) fs::remove(w.dir / f, ignored);
  const size_t left = lab::list_netns(w.prefix).size();
  if (left != 0) throw std::runtime_error("lab down: " + std::to_string(left) + " namespaces remain");
  std::cout << "lab down: nothing left\n";
  return 0;
}

int exec(std::vector<std::string> args) {
  const Where w = take_where(args);
  if (args.size() >= 2 && args[1] == "--") args.erase(args.begin() + 1);
  if (args.size() < 2) throw std::runtime_error("vpngw lab exec NODE -- CMD...");
  const std::string node = w.prefix + "-" + args[0];
  const auto nodes = lab::list_netns(w.prefix);
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) throw std::runtime_error("no node '" + args[0] + "' in the lab");
  lab::exec_in_node(node, {args.begin() + 1, args.end()});
}

int start(std::vector<std::string> args) {
  const Where w = take_where(args);
  if (args.size() >= 3 && args[2] == "--") args.erase(args.begin() + 2);
  if (args.size() < 3) throw std::runtime_error("vpngw lab start NODE NAME -- CMD...");
  if (!fs::exists(w.dir / kMarker)) throw std::runtime_error("no lab is up in " + w.dir.string() + " (vpngw lab up)");
  std::cout << lab::start_process(w.dir, {w.prefix + "-" + args[0], args[1], {args.begin() + 2, args.end()}}) << "\n";
  return 0;
}

// The fragment is read together with the lab's topology (so its links may end at nodes the lab
// has), may only add wiring, and becomes part of the topology the lab keeps.
int extend(std::vector<std::string> args) {
  const Where w = take_where(args);
  if (args.size() != 1) throw std::runtime_error("vpngw lab extend FRAGMENT (a file, or - for stdin)");
  const fs::path saved = w.dir / "topology.toml";
  if (!fs::exists(saved)) throw std::runtime_error("no lab is up in " + w.dir.string() + " (vpngw lab up)");
  const std::string fragment = args[0] == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : read_text(args[0]);
  const std::string before = read_text(saved);
  const auto was = lab::load_topology(saved.string(), w.dir.string());
  const std::string combined = before + "\n" + fragment;
  const auto now = lab::parse_topology(combined, saved.string() + " extended by " + args[0], w.dir.string());
  if (now.hosts.size() != was.hosts.size() || now.subnets.size() != was.subnets.size() || bool(now.s2s) != bool(was.s2s) ||
      bool(now.client_vpn) != bool(was.client_vpn))
    throw ConfigError(args[0] + ": a fragment adds [[node]], [[bridge]], [[link]] and [[route]] only");
  auto tail = [](const auto& all, const auto& old) { return std::vector(all.begin() + long(old.size()), all.end()); };
  lab::Wiring added{tail(now.wiring.nodes, was.wiring.nodes), tail(now.wiring.bridges, was.wiring.bridges),
                    tail(now.wiring.veths, was.wiring.veths), tail(now.wiring.routes, was.wiring.routes)};
  lab::NetworkPlan plan;
  lab::add_wiring(plan, added);
  lab::apply_network(plan, w.prefix);
  write_file(saved, combined);
  return 0;
}

std::string timestamped(const std::string& what) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return (fs::current_path() / ("vpngw-" + what + "-" + stamp)).string();
}

int failover(std::vector<std::string> args) {
  Where w = take_where(args);
  const uint32_t pps = uint32_t(std::stoul(take_option(args, "--pps", "1000")));
  if (take_flag(args, "--running")) {
    const std::string label = take_option(args, "--label", "failover");
    const lab::Fault fault = lab::parse_fault(take_option(args, "--fault", "kill"));
    if (!args.empty()) throw std::runtime_error("vpngw lab failover --running: unknown argument " + args[0]);
    const auto t = lab::load_topology((w.dir / "topology.toml").string(), w.dir.string());
    lab::measure_failover(t, lab_options(w), label, fault, pps, std::cout);
    return 0;
  }
  lab::FailoverSeries series;
  series.topology = topology_file(take_option(args, "--topology", "s2s"));
  // A Direct Connect lab fails its VIF (the primary path): BFD or the hold timer, the link cut.
  const bool dx = lab::load_topology(series.topology, w.dir.string()).dx.has_value();
  series.methods = split_commas(take_option(args, "--methods", dx ? "bfd,bgp" : "bfd,bgp,dpd"));
  series.faults = split_commas(take_option(args, "--faults", dx ? "linkdown" : "kill"));
  series.hold_s = uint16_t(std::stoul(take_option(args, "--hold", "30")));
  series.pps = pps;
  const fs::path out = fs::absolute(take_option(args, "--out", timestamped("failover")));
  if (!args.empty()) throw std::runtime_error("vpngw lab failover: unknown argument " + args[0]);
  lab::remove_lab(w.prefix, w.dir);  // each run builds its own lab, where the lab of this prefix was
  const auto runs = lab::run_failovers(series, lab_options({w.prefix, out}), std::cout);
  std::cout << "\n";
  print_stream_report(runs, (out / "failover.json").string(), (out / "failover.svg").string());
  std::cout << "\ndetect: fault to the customer gateway dropping the failed path's BGP session; restore: fault to the\n"
               "end of the longest silence; return: packets lost when the failed path came back.\n"
            << "written: " << (out / "failover.json").string() << " " << (out / "failover.svg").string()
            << " (per run: configs and logs in " << out.string() << "/<method>-<fault>/)\n";
  return 0;
}

lab::Topology running_lab(const Where& w) {
  const fs::path saved = w.dir / "topology.toml";
  if (!fs::exists(saved)) throw std::runtime_error("no lab is up in " + w.dir.string() + " (vpngw lab up)");
  return lab::load_topology(saved.string(), w.dir.string());
}

int capture(std::vector<std::string> args) {
  const Where w = take_where(args);
  const auto seconds = unsigned(std::stoul(take_option(args, "--seconds", "10")));
  const fs::path out = fs::absolute(take_option(args, "--out", timestamped("capture")));
  if (args.size() != 1) throw std::runtime_error("vpngw lab capture TUNNEL [--seconds N] [--out DIR] (tunnel1 or tunnel2)");
  const auto t = running_lab(w);
  if (!t.s2s) throw std::runtime_error("vpngw lab capture: the lab up has no VPN connection");
  std::cout << "capturing " << args[0] << " (UDP 4500 at the customer gateway " << t.s2s->customer_gateway << ") for " << seconds
            << "s" << std::endl;
  const auto c = lab::capture_tunnel(t, w.prefix, args[0], seconds, out);
  std::cout << "written: " << c.pcap.string() << " (" << c.packets << " packets), " << c.esp_sa.string() << " (" << c.sas << " SAs)\n"
            << "decode:  " << c.decode.string() << "          (Wireshark: copy esp_sa to ~/.config/wireshark/esp_sa, enable ESP decryption)\n";
  return 0;
}

// Runs `fill` in a child whose stdout and stderr go to `path` (the printers write with printf).
void to_file(const fs::path& path, const std::function<void()>& fill) {
  std::cout.flush();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!std::freopen(path.c_str(), "w", stdout)) ::_exit(1);
    ::dup2(::fileno(stdout), 2);
    try {
      fill();
    } catch (const std::exception& e) {
      std::printf("%s\n", e.what());
    }
    std::cout.flush();
    std::fflush(stdout);
    ::_exit(0);
  }
  int status;
  ::waitpid(pid, &status, 0);
}

// Its stdout to the file, or to ours when `stdout_file` is empty; its stderr to ours.
int run_python(const std::vector<std::string>& argv, const fs::path& stdout_file) {
  const auto r = lab::run_in_node("", argv);
  if (stdout_file.empty()) std::cout << r.out << std::flush;
  else write_file(stdout_file, r.out);
  std::cerr << r.err;
  return r.exit_status;
}

int report(std::vector<std::string> args) {
  const Where w = take_where(args);
  const fs::path out = fs::absolute(take_option(args, "--out", timestamped("report")));
  if (!args.empty()) throw std::runtime_error("vpngw lab report [--out DIR]");
  const auto t = running_lab(w);
  fs::create_directories(out);
  to_file(out / "status.txt", [&] { status(w); });
  if (t.client_vpn)
    write_file(out / "cvpn.json", management_request((w.dir / "endpoint.sock").string(), {{"command", "connections"}}).dump(2) + "\n");
  if (t.s2s) write_file(out / "metrics.txt", lab::vpc_router_metrics(w.prefix, lab::LabOptions{}.vgw_metrics_port));
  const std::string script = find_data_file("lab/report.py");
  if (script.empty()) throw std::runtime_error("lab/report.py not found (VPNGW_DATA_DIR, the install's share/vpngw)");
  if (run_python({"python3", script, out.string(), "--text"}, {}) != 0 ||
      run_python({"python3", script, out.string()}, out / "report.html") != 0)
    throw std::runtime_error("report.py failed on " + out.string());
  std::cout << "report: " << (out / "report.html").string() << "\n";
  return 0;
}

int plan(const std::vector<std::string>& args) {
  if (args.size() != 1) throw std::runtime_error("vpngw lab plan TOPOLOGY");
  const auto p = lab::plan_network(lab::load_topology(topology_file(args[0]), "/run/vpngw-lab/work"));
  std::cout << "nodes:";
  for (const auto& n : p.nodes) std::cout << " " << n;
  std::cout << "\n";
  for (const auto& b : p.bridges) {
    std::cout << "bridge " << b.node << "/" << b.name;
    for (const auto& a : b.addresses) std::cout << " " << a.to_string();
    std::cout << "\n";
  }
  auto end = [](const lab::VethEnd& e) {
    std::string s = e.node + "/" + e.device;
    if (e.address) s += " " + e.address->to_string();
    if (!e.bridge.empty()) s += " (in " + e.bridge + ")";
    return s;
  };
  for (const auto& v : p.veths) std::cout << "veth " << end(v.a) << " -- " << end(v.b) << "\n";
  for (const auto& a : p.addresses) std::cout << "address " << a.node << "/" << a.device << " " << a.address.to_string() << "\n";
  for (const auto& r : p.routes) std::cout << "route " << r.node << ": " << r.prefix.to_string() << " via " << r.via.to_string() << "\n";
  for (const auto& s : p.sysctls)
    if (s.key.find("rp_filter") == std::string::npos) std::cout << "sysctl " << s.node << ": " << s.key << "=" << s.value << "\n";
  return 0;
}

// `lab check FILE`: what the topology holds, or the first mistake in it.
int check(const std::vector<std::string>& args) {
  if (args.size() != 1) throw std::runtime_error("vpngw lab check TOPOLOGY");
  const auto t = lab::load_topology(args[0], "/run/vpngw-lab/work");
  std::cout << args[0] << ": ok: lab \"" << t.name << "\", " << t.vpcs.size() << " VPC(s), " << t.subnets.size() << " subnet(s), "
            << t.hosts.size() << " host(s)";
  if (t.s2s) std::cout << ", Site-to-Site " << t.s2s->connection << " (" << t.s2s->kind << ")";
  if (t.client_vpn) std::cout << ", Client VPN with " << t.client_vpn->clients.size() << " client(s)";
  std::cout << "\n";
  return 0;
}

}  // namespace

std::function<int()> add_lab_command(CLI::App& app) {
  auto* lab = app.add_subcommand("lab", "build and measure labs: up [TOPOLOGY], down, status, exec, plan, check, report, capture, failover");
  lab->prefix_command();  // the lab's commands read their own arguments
  return [lab]() -> int {
    if (!lab->parsed()) return -1;
    std::vector<std::string> rest = lab->remaining();
    const std::string cmd = rest.empty() ? "" : rest[0];
    if (!rest.empty()) rest.erase(rest.begin());
    if (cmd.empty() || cmd == "help" || cmd == "-h" || cmd == "--help") {
      std::cout << kUsage;
      return 0;
    }
    const bool needs_root = cmd != "plan" && cmd != "check";
    if (needs_root && !is_root()) {
      std::cerr << "vpngw lab: needs root (namespaces, TUN devices)\n";
      return 1;
    }
    if (cmd == "up") return guarded([&] { return up(rest); });
    if (cmd == "down") return guarded([&] { return down(rest); });
    if (cmd == "status") return guarded([&] { Where w = take_where(rest); status(w); return 0; });
    if (cmd == "exec") return guarded([&] { return exec(rest); });
    if (cmd == "start") return guarded([&] { return start(rest); });
    if (cmd == "extend") return guarded([&] { return extend(rest); });
    if (cmd == "failover") return guarded([&] { return failover(rest); });
    if (cmd == "plan") return guarded([&] { return plan(rest); });
    if (cmd == "check") return guarded([&] { return check(rest); });
    if (cmd == "capture") return guarded([&] { return capture(rest); });
    if (cmd == "report") return guarded([&] { return report(rest); });
    std::cerr << "vpngw lab: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
  };
}

}  // namespace vpngw
