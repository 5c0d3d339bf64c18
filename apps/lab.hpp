// `vpngw lab ...`: hands over to lab/lab.sh (namespaces and processes are the lab's business; it
// drives only the public vpngw commands, as DESIGN.md asks).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_lab_command(CLI::App& app);

}  // namespace vpngw
