// `vpngw s2s check --config FILE`: validates a Site-to-Site model (docs/site-to-site.md) and prints
// it resolved, with AWS's defaults filled in (random inside CIDRs and pre-shared keys included).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

// Registers the subcommand; the returned function runs it when it was parsed (-1 otherwise).
std::function<int()> add_s2s_command(CLI::App& app);

}  // namespace vpngw
