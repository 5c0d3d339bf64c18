// What a gateway tells whoever routes over its tunnels: the VGW/TGW router polls every AWS tunnel
// endpoint for it (management command "endpoint state", `vpngw ctl endpoint-state`). A versioned
// JSON document, written and read only through this struct, never through the display output of
// `stats` or `bgp routes`: a reader refuses another version instead of guessing. The keys of
// version 1 are listed by endpoint_state_keys(); a unit test holds to_json to that list.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/result.hpp"

namespace vpngw {

// A path the gateway's BGP learned (a tunnel endpoint's best, a Direct Connect VIF's own), with
// what AWS's route priority reads.
struct LearnedRoute {
  IpPrefix prefix;
  uint32_t as_path_length = 0;  // RFC 4271 9.1.2.2: an AS_SET counts as one
  uint32_t first_as = 0;        // the neighbouring AS (0 when the path starts with a set)
  std::optional<uint32_t> med;
  std::vector<uint32_t> communities;  // RFC 1997 (Direct Connect's 7224:7x00 local preference)
  bool operator==(const LearnedRoute&) const = default;
};

struct EndpointTunnel {
  std::string name;
  bool ipsec_up = false;       // an outbound SA is installed (IKE Phase 2 Established or Rekeying)
  uint64_t data_in_bytes = 0;  // CloudWatch TunnelDataIn / TunnelDataOut: inner bytes, across rekeys
  uint64_t data_out_bytes = 0;
  bool operator==(const EndpointTunnel&) const = default;
};

struct EndpointState {
  static constexpr int kVersion = 1;
  std::string gateway;
  IpAddress outside_address;
  std::vector<EndpointTunnel> tunnels;
  bool bgp_configured = false;
  bool bgp_up = false;  // a BGP session is Established
  std::vector<LearnedRoute> routes;
  bool operator==(const EndpointState&) const = default;
};

nlohmann::json to_json(const EndpointState& s);
// Malformed route entries are skipped and counted in `skipped_routes`; a document that is not an
// endpoint state of this version is an error naming what is wrong.
Result<EndpointState, std::string> parse_endpoint_state(const nlohmann::json& j, size_t* skipped_routes = nullptr);

// The documented keys of version 1, "routes[].med" style, with their JSON types.
struct EndpointStateKey {
  std::string_view key, type;
};
const std::vector<EndpointStateKey>& endpoint_state_keys();

}  // namespace vpngw
