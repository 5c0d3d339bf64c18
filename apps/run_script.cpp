#include "apps/run_script.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace vpngw {

namespace fs = std::filesystem;

std::string find_data_file(const std::string& relative_path) {
  std::vector<fs::path> roots;
  if (const char* dir = std::getenv("VPNGW_DATA_DIR")) roots.emplace_back(dir);
  if (const char* dir = std::getenv("VPNGW_SOURCE_DIR")) roots.emplace_back(dir);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(self.parent_path().parent_path() / "share" / "vpngw");  // PREFIX/bin/vpngw
  roots.emplace_back(VPNGW_SOURCE_DIR);  // a build tree's binary
  for (const auto& root : roots)
    if (fs::exists(root / relative_path)) return (root / relative_path).string();
  return {};
}

int exec_data_script(const std::string& relative_path, const std::vector<std::string>& args) {
  const std::string script = find_data_file(relative_path);
  if (script.empty()) {
    std::cerr << "vpngw: " << relative_path << " not found next to the binary (PREFIX/share/vpngw) nor in "
              << VPNGW_SOURCE_DIR << " (set VPNGW_DATA_DIR to the folder that holds lab/ and bench/)\n";
    return 1;
  }
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
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
