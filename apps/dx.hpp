// `vpngw dx check --config FILE`: validates a Direct Connect model (docs/reference/dx-model.md) and
// prints it resolved, with AWS's defaults filled in (peer addresses, MD5 keys, BGP timers).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

// Registers the subcommand; the returned function runs it when it was parsed (-1 otherwise).
std::function<int()> add_dx_command(CLI::App& app);

}  // namespace vpngw
