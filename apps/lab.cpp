#include "apps/lab.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace vpngw {

std::function<int()> add_lab_command(CLI::App& app) {
  auto* lab = app.add_subcommand("lab", "build and measure labs: up [s2s|s2s-tgw], down, status, exec NODE -- CMD, failover");
  lab->prefix_command();  // everything after "lab" goes to the script as it is
  return [lab]() -> int {
    if (!lab->parsed()) return -1;
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
    for (const auto& a : lab->remaining()) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("bash", argv.data());
    std::cerr << "vpngw lab: cannot run bash: " << std::strerror(errno) << "\n";
    return 1;
  };
}

}  // namespace vpngw
