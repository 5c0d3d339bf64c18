// SPIs and other identifiers as people read them in logs and `vpngw ctl`: 0x-prefixed, fixed width.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

namespace vpngw {

inline std::string hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

inline std::string hex64(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Bytes as lowercase hex, no prefix ("0a1b...").
inline std::string hex_bytes(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

}  // namespace vpngw
