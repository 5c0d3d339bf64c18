// `vpngw reference [NAME]`: the config and topology reference pages, printed from the schemas the
// parsers are tested against (docs/reference/NAME.md holds the same text; a test compares them).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_reference_command(CLI::App& app);

}  // namespace vpngw
