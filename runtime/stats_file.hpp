// Writes a JSON document so that a reader never sees half of it (write, then rename).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <string>

namespace vpngw {

inline void write_json_file(const std::string& path, const nlohmann::json& j) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) spdlog::warn("cannot write stats to {}: {}", path, ec.message());
}

}  // namespace vpngw
