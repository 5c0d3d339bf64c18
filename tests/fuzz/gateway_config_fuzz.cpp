// Fuzzes the config loaders (`vpngw gateway`, `vpngw nat`, the Site-to-Site and Direct Connect
// models, the Client VPN endpoint and lab topologies): any bytes must give a config or a ConfigError, nothing else. All
// share the strict TOML reader, so one corpus serves them all.
#include <cstdint>
#include <string_view>

#include "gateway/gateway_config.hpp"
#include "nat/nat_config.hpp"
#include "clientvpn/endpoint_config.hpp"
#include "dx/dx_config.hpp"
#include "s2s/vpn_config.hpp"
#include "lab/topology.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)vpngw::parse_gateway_config(text, "fuzz.toml");
  } catch (const vpngw::ConfigError&) {
  }
  try {
    (void)vpngw::parse_nat_config(text, "fuzz.toml");
  } catch (const vpngw::ConfigError&) {
  }
  try {
    (void)vpngw::s2s::parse_site_to_site(text, "fuzz.toml");
  } catch (const vpngw::ConfigError&) {
  }
  try {
    (void)vpngw::dx::parse_direct_connect(text, "fuzz.toml");
  } catch (const vpngw::ConfigError&) {
  }
  try {
    (void)vpngw::parse_clientvpn_config(text, "fuzz.toml", "/nonexistent");
  } catch (const vpngw::ConfigError&) {
  }
  try {
    (void)vpngw::lab::parse_topology(text, "fuzz.toml", "/nonexistent");
  } catch (const vpngw::ConfigError&) {
  }
  return 0;
}
