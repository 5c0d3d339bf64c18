// AWS's IKE tunnel options (ModifyVpnTunnelOptions' names in snake case) read from a TOML table:
// shared by the gateway's [tunnel.ike] and the Site-to-Site model's per-tunnel options.
#pragma once

#include "proto/ike/tunnel_options.hpp"
#include "common/config/toml_reader.hpp"

namespace vpngw {

// Reads the IKE keys of one tunnel's options from `r`; the caller reads its own keys and then
// rejects unknown ones. Without `psk_required` a missing key gets AWS's default: 32 random
// letters and digits.
ike::TunnelOptions read_ike_options(TableReader& r, bool psk_required);

// The inverse: every option as the TOML keys read_ike_options takes (for generated configs).
toml::table ike_options_table(const ike::TunnelOptions& o);

}  // namespace vpngw
