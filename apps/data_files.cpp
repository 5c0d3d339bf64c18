#include "apps/data_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <vector>

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

}  // namespace vpngw
