#include "apps/lab.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "apps/guarded.hpp"
#include "apps/run_script.hpp"
#include "lab/topology.hpp"

namespace vpngw {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw std::runtime_error(path.string() + ": cannot write");
}

// `lab plan FILE WORK`: the topology read and checked, written as the plan lab.sh builds from.
int plan(const std::vector<std::string>& args) {
  if (args.size() != 3) {
    std::cerr << "usage: vpngw lab plan TOPOLOGY WORK_DIR\n";
    return 2;
  }
  return guarded([&] {
    const std::filesystem::path work = std::filesystem::absolute(args[2]);
    std::filesystem::create_directories(work);
    const auto t = lab::load_topology(args[1], work.string());
    write_file(work / "plan", lab::plan_records(t));
    if (!t.model_toml.empty()) write_file(work / "model.toml", t.model_toml);
    if (!t.endpoint_toml.empty()) write_file(work / "endpoint.toml", t.endpoint_toml);
    return 0;
  });
}

// `lab check FILE`: what the topology holds, or the first mistake in it.
int check(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: vpngw lab check TOPOLOGY\n";
    return 2;
  }
  return guarded([&] {
    const auto t = lab::load_topology(args[1], "/run/vpngw-lab/work");
    std::cout << args[1] << ": ok: lab \"" << t.name << "\", " << t.vpcs.size() << " VPC(s), " << t.subnets.size()
              << " subnet(s), " << t.hosts.size() << " host(s)";
    if (t.s2s) std::cout << ", Site-to-Site " << t.s2s->connection << " (" << t.s2s->kind << ")";
    if (t.client_vpn) std::cout << ", Client VPN with " << t.client_vpn->clients.size() << " client(s)";
    std::cout << "\n";
    return 0;
  });
}

}  // namespace

std::function<int()> add_lab_command(CLI::App& app) {
  auto* lab = app.add_subcommand("lab", "build and measure labs: up [TOPOLOGY], down, status, report, exec, capture, failover, check");
  lab->prefix_command();  // everything after "lab" goes to the script as it is
  return [lab]() -> int {
    if (!lab->parsed()) return -1;
    const std::vector<std::string> rest = lab->remaining();
    if (!rest.empty() && rest[0] == "plan") return plan(rest);
    if (!rest.empty() && rest[0] == "check") return check(rest);
    return exec_data_script("lab/lab.sh", rest);
  };
}

std::function<int()> add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "data plane against no tunnel, wireguard-go, OpenVPN, strongSwan; failover: table, JSON, picture");
  bench->prefix_command();
  return [bench]() -> int {
    if (!bench->parsed()) return -1;
    return exec_data_script("bench/run.sh", bench->remaining());
  };
}

}  // namespace vpngw
