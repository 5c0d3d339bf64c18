// Fuzzes the gateway config loader: any bytes must give a config or a ConfigError, nothing else.
#include <cstdint>
#include <string_view>

#include "control/gateway_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)vpngw::parse_gateway_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
  } catch (const vpngw::ConfigError&) {
  }
  return 0;
}
