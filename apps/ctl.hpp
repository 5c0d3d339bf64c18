// `vpngw ctl`: asks a running gateway over its management socket and prints the answer as a
// table (or the JSON itself with --json).
#pragma once

#include <CLI/CLI.hpp>

namespace vpngw {

// Adds the `ctl` subcommand to `app`; the returned function runs it after parsing.
std::function<int()> add_ctl_command(CLI::App& app);

}  // namespace vpngw
