// SPIs and other identifiers as people read them in logs and `vpngw ctl`: 0x-prefixed, fixed width.
#pragma once

#include <cstdint>
#include <cstdio>
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

}  // namespace vpngw
