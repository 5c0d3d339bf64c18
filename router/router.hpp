// `vpngw router`: a plain BGP router process. One BGP instance (speaker, BFD, kernel routes via
// next hops) on the daemon runtime; the kernel forwards, so there is no data plane.
#pragma once

#include <string>

#include "router/router_config.hpp"

namespace vpngw {

// Runs until SIGINT/SIGTERM: Cease to every neighbour, BFD AdminDown, learned routes removed
// from the kernel.
void run_router(const RouterConfig& cfg, const std::string& stats_path);

}  // namespace vpngw
