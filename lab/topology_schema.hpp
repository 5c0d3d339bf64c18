// The lab topology file's keys (docs/reference/lab-topology.md is printed from this).
#pragma once

#include "control/config_schema.hpp"

namespace vpngw::lab {

const ConfigSchema& topology_schema();

}  // namespace vpngw::lab
