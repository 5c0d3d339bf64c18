#include "apps/lab.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "apps/guarded.hpp"
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
    const char* dir = std::getenv("VPNGW_LAB_DIR");
    const std::string script = std::string(dir ? dir : VPNGW_SOURCE_DIR "/lab") + "/lab.sh";
    if (!std::filesystem::exists(script)) {
      std::cerr << "vpngw lab: " << script << " not found (set VPNGW_LAB_DIR to the repository's lab/ folder)\n";
      return 1;
    }
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) ::setenv("VPNGW_BIN", self.c_str(), 1);
    std::vector<std::string> args{"bash", script};
    for (const auto& a : rest) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("bash", argv.data());
    std::cerr << "vpngw lab: cannot run bash: " << std::strerror(errno) << "\n";
    return 1;
  };
}

}  // namespace vpngw
