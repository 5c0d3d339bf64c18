// `vpngw bench`: the data-plane comparison (bench/compare/) and the failover measurement
// (lab/failover.hpp) in one run on this machine: one table with ratios, JSON and a picture.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_bench_command(CLI::App& app);

}  // namespace vpngw
