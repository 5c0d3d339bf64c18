// `vpngw lab ...`: the CLI of lab/ (topologies read, planned, built, extended, measured, captured,
// reported, removed); `vpngw bench ...` hands over to bench/run.sh.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_lab_command(CLI::App& app);
std::function<int()> add_bench_command(CLI::App& app);

}  // namespace vpngw
