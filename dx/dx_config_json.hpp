// The Direct Connect model resolved, AWS's defaults filled in, as `vpngw dx check` prints it. MD5
// keys are shown as set, never printed.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "dx/dx_config.hpp"

namespace vpngw::dx {

nlohmann::json to_json(const DirectConnectConfig& cfg);

}  // namespace vpngw::dx
