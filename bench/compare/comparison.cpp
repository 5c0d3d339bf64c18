#include "bench/compare/comparison.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/compare/data_paths.hpp"
#include "bench/compare/nat_flows.hpp"
#include "bench/compare/path_lab.hpp"
#include "measure/iperf_result.hpp"

namespace vpngw::bench {
namespace {

using namespace std::chrono_literals;

struct Test {
  const char* key;
  const char* title;
  std::vector<std::string> args;  // iperf3 client options beyond the common ones
  unsigned udp_payload;            // 0 for TCP
};

const std::vector<Test>& tests() {
  static const std::vector<Test> all = {{"tcp1", "TCP 1 stream Mb/s", {}, 0},
                                        {"tcp4", "TCP 4 streams Mb/s", {"-P", "4"}, 0},
                                        {"udp64", "UDP 64 B kpps", {"-u", "-l", "64", "-b", "0"}, 64}};
  return all;
}

struct Samples {
  std::vector<double> value, per_core;
  std::vector<std::string> errors;
};

// One iperf3 run from the client to the server; the daemons' CPU over the same wall time.
void run_once(PathLab& lab, const DataPath& path, const Test& test, unsigned seconds, Samples& into) {
  std::vector<std::string> argv = {"iperf3", "-c", path.server_address, "-t", std::to_string(seconds), "-O", "1", "-J"};
  if (!path.client_address.empty()) argv.insert(argv.end(), {"-B", path.client_address});
  argv.insert(argv.end(), test.args.begin(), test.args.end());
  const double cpu_before = lab.daemon_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  const std::string json = lab.run(path.client, argv);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cores = (lab.daemon_cpu_seconds() - cpu_before) / wall;
  const auto r = measure::parse_iperf_json(json);
  const double value = test.udp_payload ? r.kpps(test.udp_payload) : r.mbps;
  if (!(value > 0)) throw std::runtime_error("no traffic arrived");
  into.value.push_back(value);
  // The CPU covers the omitted first second too; the throughput of that second is close to the
  // rest on every path, so the ratio stays fair between paths.
  if (cores > 0.01) into.per_core.push_back(value / cores);
}

std::string cell(const std::optional<measure::Spread>& s, std::optional<double> ratio) {
  if (!s) return "n/a";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.0f [%.0f-%.0f]", s->median, s->min, s->max);
  std::string out = buf;
  if (ratio && std::isfinite(*ratio)) {
    std::snprintf(buf, sizeof buf, " x%.2f", *ratio);
    out += buf;
  }
  return out;
}

// Tunnels compare with vpngw's tunnel, NAT paths with vpngw's NAT, Client VPN with vpngw's endpoint.
std::string reference_path(const std::string& path) {
  if (data_path(path).nat) return "nat-vpngw";
  if (path.rfind("clientvpn-", 0) == 0) return "clientvpn-vpngw";
  return "vpngw";
}

std::optional<double> ratio_to_vpngw(const Comparison& c, const std::string& path, const std::string& test) {
  const auto p = c.results.find(path), v = c.results.find(reference_path(path));
  if (p == c.results.end() || v == c.results.end()) return std::nullopt;
  const auto& mine = p->second.at(test).value;
  const auto& ref = v->second.at(test).value;
  if (!mine || !ref || ref->median <= 0) return std::nullopt;
  return mine->median / ref->median;
}

// A path's lab, set up and carrying a first ping.
std::unique_ptr<PathLab> path_lab(const ComparisonOptions& o, const DataPath& path, const std::string& folder) {
  const std::string topology = o.find_data_file(path.topology);
  if (topology.empty()) throw std::runtime_error(path.topology + " not found");
  auto lab = std::make_unique<PathLab>(topology, o.prefix, o.work / folder, o.vpngw);
  set_up_path(path, *lab);
  lab->wait_for(20s, "a first ping from " + path.client + " to " + path.server_address + " through " + path.name,
                [&] { return (lab->run(path.client, {"ping", "-c", "1", "-W", "1", path.server_address}), true); });
  return lab;
}

void run_nat_flows(const ComparisonOptions& o, const DataPath& path, Comparison& c, std::ostream& progress) {
  std::map<std::string, std::vector<double>> samples;
  for (unsigned rep = 1; rep <= o.reps; ++rep) {
    try {
      auto lab = path_lab(o, path, path.name + "-flows-" + std::to_string(rep));  // new flows must be new
      measure_nat_flows(*lab, path, o.seconds, samples);
      char line[160];
      std::snprintf(line, sizeof line, "  %s flows #%u: existing %.0f kpps, new %.1f k/s", path.name.c_str(), rep,
                    samples["existing_kpps"].back(), samples["new_flows_kps"].back());
      progress << line << std::endl;
    } catch (const std::exception& e) {
      progress << "  " << path.name << " flows #" << rep << ": " << e.what() << std::endl;
    }
  }
  for (const auto& [metric, label] : nat_flow_metrics()) c.nat_flows[path.name][metric] = measure::spread_of(samples[metric]);
}

}  // namespace

Comparison run_comparison(const ComparisonOptions& o, std::ostream& progress) {
  Comparison c;
  c.paths = o.paths.empty() ? data_path_names() : o.paths;
  for (const auto& name : c.paths) {
    const DataPath& path = data_path(name);
    progress << "== " << name << std::endl;
    std::map<std::string, Samples> samples;
    try {
      auto lab = path_lab(o, path, name);
      lab->start(path.server, "iperf3-server", {"iperf3", "-s", "-B", path.server_address}, false);
      std::this_thread::sleep_for(300ms);
      for (const auto& test : tests())
        for (unsigned rep = 1; rep <= o.reps; ++rep) {
          auto& s = samples[test.key];
          try {
            run_once(*lab, path, test, o.seconds, s);
            char line[128];
            std::snprintf(line, sizeof line, "  %s %s #%u: %.0f", name.c_str(), test.key, rep, s.value.back());
            progress << line << (s.per_core.empty() ? "" : "  (" + std::to_string(int(s.per_core.back())) + " per core)")
                     << std::endl;
          } catch (const std::exception& e) {
            s.errors.push_back(e.what());
            progress << "  " << name << " " << test.key << " #" << rep << ": " << e.what() << std::endl;
          }
        }
    } catch (const std::exception& e) {
      progress << "  " << name << " did not come up: " << e.what() << std::endl;
      for (const auto& test : tests()) samples[test.key].errors.push_back(std::string("did not come up: ") + e.what());
    }
    for (const auto& test : tests()) {
      auto& s = samples[test.key];
      c.results[name][test.key] = {measure::spread_of(s.value), measure::spread_of(s.per_core), s.errors};
    }
    if (path.nat) run_nat_flows(o, path, c, progress);
  }
  return c;
}

void print_comparison(const Comparison& c, std::ostream& out) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-18s", "path");
  out << buf;
  for (const auto& t : tests()) {
    std::snprintf(buf, sizeof buf, "%34s", t.title);
    out << buf;
  }
  out << "\n";
  for (const auto& path : c.paths) {
    std::snprintf(buf, sizeof buf, "%-18s", path.c_str());
    out << buf;
    for (const auto& t : tests()) {
      std::snprintf(buf, sizeof buf, "%34s", cell(c.results.at(path).at(t.key).value, ratio_to_vpngw(c, path, t.key)).c_str());
      out << buf;
    }
    out << "\n";
  }
  out << "median [min-max] of the runs; xN = ratio to vpngw's median in the same run (NAT: to vpngw nat's; Client VPN: to vpngw's endpoint)\n\n"
      << "per core of the daemons' CPU (Mb/s or kpps over the user + system time of the VPN processes):\n";
  for (const auto& path : c.paths) {
    if (path == "veth") continue;
    std::snprintf(buf, sizeof buf, "%-18s", path.c_str());
    out << buf;
    for (const auto& t : tests()) {
      std::snprintf(buf, sizeof buf, "%34s", cell(c.results.at(path).at(t.key).per_core, std::nullopt).c_str());
      out << buf;
    }
    out << "\n";
  }
  if (c.nat_flows.empty()) return;
  out << "\nNAT flows (vpngw stream spray from 40 client addresses; what the VPC host received):\n";
  std::snprintf(buf, sizeof buf, "%-40s", "");
  out << buf;
  for (const auto& path : c.paths)
    if (c.nat_flows.count(path)) {
      std::snprintf(buf, sizeof buf, "%24s", path.c_str());
      out << buf;
    }
  out << "\n";
  for (const auto& [metric, label] : nat_flow_metrics()) {
    std::snprintf(buf, sizeof buf, "%-40s", label.c_str());
    out << buf;
    for (const auto& path : c.paths)
      if (c.nat_flows.count(path)) {
        std::snprintf(buf, sizeof buf, "%24s", cell(c.nat_flows.at(path).at(metric), std::nullopt).c_str());
        out << buf;
      }
    out << "\n";
  }
}

nlohmann::json comparison_json(const Comparison& c) {
  auto spread = [](const measure::Spread& s) { return nlohmann::json{{"median", s.median}, {"min", s.min}, {"max", s.max}, {"runs", s.runs}}; };
  nlohmann::json out = nlohmann::json::object();
  for (const auto& path : c.paths)
    for (const auto& t : tests()) {
      const auto& r = c.results.at(path).at(t.key);
      if (!r.value) continue;
      auto cellj = spread(*r.value);
      const auto ratio = ratio_to_vpngw(c, path, t.key);
      cellj["ratio_to_vpngw"] = ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr);
      if (r.per_core) cellj["per_core"] = spread(*r.per_core);
      if (!r.errors.empty()) cellj["errors"] = r.errors;
      out[path][t.key] = cellj;
    }
  for (const auto& [path, metrics] : c.nat_flows)
    for (const auto& [metric, s] : metrics)
      if (s) out["nat_flows"][path][metric] = spread(*s);
  return out;
}

}  // namespace vpngw::bench
