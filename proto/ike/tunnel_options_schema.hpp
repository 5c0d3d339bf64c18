// The IKE tunnel options' keys (AWS's ModifyVpnTunnelOptions in snake case), read by
// read_ike_options under a gateway's [tunnel.ike] and a Site-to-Site model's [[vpn_connection.tunnel]].
#pragma once

#include <span>

#include "common/config/config_schema.hpp"

namespace vpngw {

// With an empty table: place them with under_table().
std::span<const ConfigKey> ike_option_keys();

}  // namespace vpngw
