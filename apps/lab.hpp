// `vpngw lab ...` hands over to lab/lab.sh except `lab plan` and `lab check` (topology files, read
// here); `vpngw bench ...` hands over to bench/run.sh.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_lab_command(CLI::App& app);
std::function<int()> add_bench_command(CLI::App& app);

}  // namespace vpngw
