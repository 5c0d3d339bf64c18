// Fuzzes the VGW router's readers of a tunnel endpoint's management answers (bgp routes, bgp
// summary, ike): whatever JSON comes back, they skip what they do not understand.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "s2s/gateway_routing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  size_t skipped = 0;
  (void)vpngw::s2s::learned_routes_from_json(j, &skipped);
  (void)vpngw::s2s::bgp_established_from_json(j);
  (void)vpngw::s2s::ipsec_up_from_json(j);
  if (const auto* t = vpngw::s2s::first_tunnel(j)) (void)vpngw::s2s::json_u64(*t, "data_in_bytes");
  (void)vpngw::s2s::json_string(j, "outside_address");
  return 0;
}
