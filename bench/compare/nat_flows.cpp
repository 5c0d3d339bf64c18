#include "bench/compare/nat_flows.hpp"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace vpngw::bench {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kClients = 40;

// Packets the VPC host's counter rule has seen so far (anonymous rule counters cannot be reset).
double received(PathLab& lab, const DataPath& path) {
  const auto doc = nlohmann::json::parse(lab.run(path.server, {"nft", "-j", "list", "chain", "ip", "bench", "in"}));
  double packets = 0;
  for (const auto& item : doc.at("nftables"))
    if (item.contains("rule"))
      for (const auto& e : item["rule"].at("expr"))
        if (e.contains("counter")) packets += e["counter"].at("packets").get<double>();
  return packets;
}

// Sent packets and seconds from `vpngw stream spray`; the rate is what arrived over that time.
double spray_rate(PathLab& lab, const DataPath& path, const std::vector<std::string>& args) {
  const double before = received(lab, path);
  std::vector<std::string> argv = {lab.vpngw().string(), "stream", "spray", "--to", path.server_address, "--port", "9", "--from",
                                   path.client_address, "--sources", std::to_string(kClients)};
  argv.insert(argv.end(), args.begin(), args.end());
  std::istringstream out(lab.run(path.client, argv));
  double sent = 0, seconds = 0;
  if (!(out >> sent >> seconds) || seconds <= 0) throw std::runtime_error("vpngw stream spray printed nothing to read");
  return (received(lab, path) - before) / seconds;
}

double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string key; in >> key;) {
    if (key == "VmRSS:") {
      double kib = 0;
      in >> kib;
      return kib / 1024;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& nat_flow_metrics() {
  static const std::vector<std::pair<std::string, std::string>> all = {
      {"existing_kpps", "existing flows, kpps received"},
      {"new_flows_kps", "new flows/s (thousands)"},
      {"flows_created", "flows in the table after the run"},
      {"rss_mib", "vpngw nat RSS after the new flows, MiB"}};
  return all;
}

void measure_nat_flows(PathLab& lab, const DataPath& path, unsigned seconds, std::map<std::string, std::vector<double>>& into) {
  for (unsigned i = 1; i < kClients; ++i)  // 172.16.0.11 onwards on client-vpc.toml's cl0, beside .10
    lab.run(path.client, {"ip", "addr", "add", "172.16.0." + std::to_string(10 + i) + "/22", "dev", "cl0"});
  lab.write_file("counter.nft", "table ip bench {\n  chain in { type filter hook input priority 0; udp dport 9 counter drop; }\n}\n");
  lab.run(path.server, {"nft", "-f", (lab.work() / "counter.nft").string()});

  const std::string secs = std::to_string(seconds);
  into["existing_kpps"].push_back(spray_rate(lab, path, {"--flows", "1000", "--seconds", secs}) / 1e3);
  into["new_flows_kps"].push_back(spray_rate(lab, path, {"--flows", "2500000", "--seconds", secs, "--max-packets", "60000"}) / 1e3);
  if (path.name == "nat-vpngw") {
    std::this_thread::sleep_for(1100ms);  // the stats file is written every second
    std::ifstream stats(lab.work() / "nat.json");
    into["flows_created"].push_back(nlohmann::json::parse(stats).at("counters").at("mappings_created").get<double>());
    into["rss_mib"].push_back(rss_mib(lab.daemons().at(0)));
  } else {
    into["flows_created"].push_back(std::stod(lab.run("rt", {"cat", "/proc/sys/net/netfilter/nf_conntrack_count"})));
  }
}

}  // namespace vpngw::bench
