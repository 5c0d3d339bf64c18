// The Direct Connect model written back as the TOML `parse_direct_connect` reads, with every default
// AWS filled in (peer addresses, MD5 keys) written out: the lab parses a topology once and hands
// both ends of each VIF the same, resolved model.
#pragma once

#include <string>

#include "dx/dx_config.hpp"

namespace vpngw::dx {

std::string to_toml(const DirectConnectConfig& cfg);

}  // namespace vpngw::dx
