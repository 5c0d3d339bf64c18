// Helpers shared by the unit tests.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vpngw::test {

inline std::vector<uint8_t> hex(std::string_view s) {
  std::vector<uint8_t> out;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;  // spaces and line breaks as in the RFC dumps
    if (hi < 0) hi = v;
    else { out.push_back(uint8_t(hi << 4 | v)); hi = -1; }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

// Golden-byte comparisons read better as hex strings when they fail.
inline std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) { out += digits[b >> 4]; out += digits[b & 15]; }
  return out;
}

}  // namespace vpngw::test
