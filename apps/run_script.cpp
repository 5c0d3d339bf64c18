#include "apps/run_script.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace vpngw {

int exec_source_script(const std::string& relative_path, const std::vector<std::string>& args) {
  const char* dir = std::getenv("VPNGW_SOURCE_DIR");
  const std::string script = std::string(dir ? dir : VPNGW_SOURCE_DIR) + "/" + relative_path;
  if (!std::filesystem::exists(script)) {
    std::cerr << "vpngw: " << script << " not found (set VPNGW_SOURCE_DIR to the repository)\n";
    return 1;
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) ::setenv("VPNGW_BIN", self.c_str(), 1);
  std::vector<std::string> argv_text{"bash", script};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp("bash", argv.data());
  std::cerr << "vpngw: cannot run bash: " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace vpngw
