#include "lab/failover.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "common/clock.hpp"
#include "lab/netns.hpp"
#include "lab/process.hpp"
#include "runtime/management_server.hpp"
#include "tun/netlink.hpp"

namespace vpngw::lab {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

nlohmann::json ask(const std::string& socket, const std::string& command) {
  return management_request(socket, {{"command", command}}, 1000ms);
}

// The customer gateway's best path to the VPC: the neighbour it was learned from and its tunnel
// ("tunnel1"; empty for a neighbour on a plain interface, a Direct Connect VIF). Empty if none.
struct ActivePath {
  std::string neighbor, tunnel;
  std::string name() const { return tunnel.empty() ? neighbor : tunnel; }
};

ActivePath active_path(const std::string& cgw, const IpPrefix& vpc) {
  const auto answer = ask(cgw, "bgp routes");  // the loop must not range over a temporary's member
  for (const auto& r : answer["routes"])
    if (r.value("prefix", "") == vpc.to_string())
      for (const auto& p : r["paths"])
        if (p.value("best", false))
          return {p.value("neighbor", ""), p["tunnel"].is_string() ? p["tunnel"].get<std::string>() : std::string()};
  return {};
}

const nlohmann::json* neighbor_named(const nlohmann::json& summary, const std::string& name) {
  for (const auto& n : summary["neighbors"])
    if (n.value("name", "") == name) return &n;
  return nullptr;
}

bool all_established(const std::string& cgw) {
  const auto summary = ask(cgw, "bgp summary");
  for (const auto& nb : summary["neighbors"])
    if (nb.value("state", "") != "Established") return false;
  return !summary["neighbors"].empty();
}

void set_link(const std::string& netns, const std::string& device, bool up) {
  EnterNetns in(netns);
  Netlink nl;
  nl.set_link_up(Netlink::ifindex(device), up);
}

// What fails and how it comes back: a tunnel's AWS endpoint, or a Direct Connect VIF.
struct Target {
  std::string node;        // the namespace's node: t1/t2, or vgw (AWS's Direct Connect end)
  std::string process;     // its PID file's name in the work folder: t1, t2 or dx
  std::string link;        // the device linkdown takes down: out0, or the VIF's connection's dx<i>
  std::string vif;         // a Direct Connect VIF's id; empty for a tunnel
};

Target target_of(const Topology& t, const ActivePath& path) {
  if (!path.tunnel.empty()) {
    const std::string node = "t" + path.tunnel.substr(path.tunnel.size() - 1);
    return {node, node, "out0", ""};
  }
  if (!t.dx) throw std::runtime_error("the customer gateway's best path (" + path.neighbor + ") is neither a tunnel nor a VIF");
  for (const auto& v : t.dx->model.vifs) {
    if (v.id != path.neighbor) continue;
    for (const auto& l : t.dx->customer.links) {
      const auto* c = t.dx->model.connection(l.connection);
      if (l.connection == v.connection || (c && c->lag == v.connection)) return {"vgw", "dx", l.device, v.id};
    }
  }
  throw std::runtime_error("the customer gateway's best path is via " + path.neighbor + ", which is no VIF of the lab");
}

void wait_child(pid_t pid) {
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Fault parse_fault(const std::string& name) {
  if (name == "kill") return Fault::kill;
  if (name == "linkdown") return Fault::linkdown;
  if (name == "stop") return Fault::stop;
  if (name == "vifdelete") return Fault::vifdelete;
  throw std::invalid_argument("fault \"" + name + "\": kill, linkdown, stop or vifdelete");
}

void set_detection(Topology& t, const std::string& method, uint16_t hold_s) {
  if (!t.s2s) throw std::invalid_argument("a failover needs a lab with a VPN connection");
  if (t.dx) {
    if (method != "bfd" && method != "bgp") throw std::invalid_argument("method \"" + method + "\": bfd or bgp with Direct Connect");
    t.dx->customer.bfd = method == "bfd";
  }
  SiteToSite& s = *t.s2s;
  s.bfd_interval_ms.reset();
  if (method == "bfd") {
    s.bfd_interval_ms = 300;
  } else if (method == "dpd") {
    hold_s = 240;  // long enough that DPD, not BGP, notices first
  } else if (method != "bgp") {
    throw std::invalid_argument("method \"" + method + "\": bfd, bgp or dpd");
  }
  s.bgp_hold_time = hold_s;
  s.bgp_keepalive = uint16_t(hold_s / 3);
}

std::string measure_failover(const Topology& t, const LabOptions& o, const std::string& label, Fault fault, uint32_t pps,
                             std::ostream& progress) {
  if (!t.s2s) throw std::invalid_argument("a failover needs a lab with a VPN connection");
  const Host* sender = nullptr;
  const Host* receiver = nullptr;
  for (const auto& h : t.hosts) {
    if (h.segment == "lan" && !sender) sender = &h;
    if (h.segment != "lan" && !receiver) receiver = &h;
  }
  if (!sender || !receiver) throw std::invalid_argument("a failover needs an on-prem host and a VPC host in the topology");
  const std::string cgw = ManagementServer::default_path(t.s2s->customer_gateway);
  const IpPrefix vpc = t.vpcs.at(0).cidr;
  const ActivePath path = active_path(cgw, vpc);
  if (path.neighbor.empty()) throw std::runtime_error("the customer gateway has no best path to " + vpc.to_string());
  const Target target = target_of(t, path);
  if (target.vif.empty() && fault == Fault::vifdelete) throw std::invalid_argument("vifdelete fails a Direct Connect VIF; the path is a tunnel");
  if (!target.vif.empty() && fault == Fault::kill)
    throw std::invalid_argument("kill fails a tunnel endpoint; on Direct Connect use linkdown, stop or vifdelete");
  const std::string node_ns = o.prefix + "-" + target.node;
  const std::string dx_socket = ManagementServer::default_path(o.prefix + "-dx");
  const std::string what = target.vif.empty() ? "its AWS endpoint (" + target.node + ")" : "Direct Connect VIF " + target.vif;
  const std::string how[] = {"SIGKILL", target.link + " down", "SIGSTOP", "deleting the VIF"};
  progress_line(progress, "customer gateway sends through " + path.name() + ": failing " + what + " by " + how[int(fault)] + ", " + label);

  const fs::path& w = o.work;
  for (const char* f : {"stop", "stop-recv", "arrivals.csv"}) fs::remove(w / f);
  const std::string vpngw = o.vpngw.string(), to = receiver->address.to_string();
  const pid_t recv = start_process(w, {o.prefix + "-" + receiver->name, "stream-recv",
                                       {vpngw, "stream", "recv", "--bind", to, "--port", "5201", "--seconds", "600", "--stop-file",
                                        (w / "stop-recv").string(), "-o", (w / "arrivals.csv").string()}});
  std::this_thread::sleep_for(300ms);
  const pid_t send = start_process(w, {o.prefix + "-" + sender->name, "stream-send",
                                       {vpngw, "stream", "send", "--to", to, "--port", "5201", "--pps", std::to_string(pps), "--seconds",
                                        "600", "--stop-file", (w / "stop").string()}});
  std::this_thread::sleep_for(2s);

  const pid_t victim = read_pid(w / (target.process + ".pid"));
  auto vif_command = [&](const char* command) {
    const auto answer = management_request(dx_socket, {{"command", command}, {"vif", target.vif}}, 1000ms);
    if (answer.contains("error")) throw std::runtime_error(std::string(command) + ": " + answer["error"].dump());
  };
  const int64_t fault_ns = monotonic_ns();
  switch (fault) {
    case Fault::kill: ::kill(victim, SIGKILL); break;
    case Fault::linkdown: set_link(node_ns, target.link, false); break;
    case Fault::stop: ::kill(victim, SIGSTOP); break;
    case Fault::vifdelete: vif_command("vif down"); break;
  }
  // Detection: the customer gateway's session over that path leaves Established; the moment it
  // did, by the gateway's own clock (CLOCK_MONOTONIC, as ours).
  std::string detect_ns;
  for (const auto deadline = std::chrono::steady_clock::now() + 120s; std::chrono::steady_clock::now() < deadline;) {
    const auto summary = ask(cgw, "bgp summary");
    const auto* n = neighbor_named(summary, path.neighbor);
    if (n && n->value("state", "") != "Established") {
      detect_ns = std::to_string(n->value("last_down_ns", int64_t(0)));
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  progress_line(progress, detect_ns.empty() ? "not detected within 120 s"
                                            : "detected after " + std::to_string((std::stoll(detect_ns) - fault_ns) / 1'000'000) + " ms");
  std::this_thread::sleep_for(2s);

  progress_line(progress, "bringing " + path.name() + " back");
  switch (fault) {
    case Fault::kill:
      start_process(w, {node_ns, target.node, {vpngw, "gateway", "--config", (w / "configs" / (t.s2s->connection + "-" + path.tunnel + ".toml")).string(),
                                               "--stats", (w / (target.node + ".json")).string()}});
      break;
    case Fault::linkdown: set_link(node_ns, target.link, true); break;
    case Fault::stop: ::kill(victim, SIGCONT); break;
    case Fault::vifdelete: vif_command("vif up"); break;
  }
  const int64_t recover_ns = monotonic_ns();
  const auto back_by = std::chrono::steady_clock::now() + 90s;
  for (;;) {
    try {
      if (all_established(cgw)) break;
    } catch (const std::exception&) {
      // the gateway is busy; ask again
    }
    if (std::chrono::steady_clock::now() > back_by) {
      progress_line(progress, path.name() + "'s BGP session did not come back within 90 s");
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  progress_line(progress, path.name() + " Established again; the customer gateway now sends through " + active_path(cgw, vpc).name());
  std::this_thread::sleep_for(3s);
  std::ofstream(w / "stop").flush();
  wait_child(send);
  std::this_thread::sleep_for(500ms);  // the last packets are still on their way
  std::ofstream(w / "stop-recv").flush();
  wait_child(recv);
  std::ifstream sent_log(w / "stream-send.log");
  uint64_t sent = 0;
  sent_log >> sent;
  const std::string spec = label + "," + (w / "arrivals.csv").string() + "," + std::to_string(sent) + "," + std::to_string(fault_ns) +
                           "," + detect_ns + "," + std::to_string(recover_ns);
  std::ofstream(w / "run.spec") << spec << "\n";
  return spec;
}

std::vector<std::string> run_failovers(const FailoverSeries& s, const LabOptions& o, std::ostream& progress) {
  for (const auto& f : s.faults) parse_fault(f);  // every name checked before the first lab
  fs::create_directories(o.work);
  std::vector<std::string> runs;
  for (const auto& m : s.methods) {
    for (const auto& f : s.faults) {
      progress << "== " << m << " / " << f << std::endl;
      LabOptions run = o;
      run.work = o.work / (m + "-" + f);
      auto t = load_topology(s.topology, run.work.string());
      set_detection(t, m, s.hold_s);
      fs::remove_all(run.work);
      try {
        build_lab(t, run, progress);
        runs.push_back(measure_failover(t, run, m + " / " + f, parse_fault(f), s.pps, progress));
      } catch (...) {
        remove_lab(run.prefix, run.work);
        throw;
      }
      remove_lab(run.prefix, run.work);
    }
  }
  return runs;
}

}  // namespace vpngw::lab
