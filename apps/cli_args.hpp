// Command-line values every subcommand reads the same way: addresses, prefixes, NAME=VALUE pairs;
// a bad one is a ConfigError naming the option and the text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/config/config_error.hpp"
#include "common/ip_prefix.hpp"

namespace vpngw {

inline IpAddress address_arg(const std::string& text, const char* option) {
  auto a = IpAddress::parse(text);
  if (!a) throw ConfigError(std::string(option) + " \"" + text + "\": not an IP address");
  return *a;
}

inline std::vector<IpPrefix> prefix_args(const std::vector<std::string>& texts, const char* option) {
  std::vector<IpPrefix> out;
  for (const auto& t : texts) {
    auto p = IpPrefix::parse(t);
    if (!p) throw ConfigError(std::string(option) + " \"" + t + "\": not a prefix with no host bits set");
    out.push_back(*p);
  }
  return out;
}

inline std::pair<std::string, std::string> pair_arg(const std::string& text, const char* option, const char* form) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw ConfigError(std::string(option) + " \"" + text + "\": " + form);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace vpngw
