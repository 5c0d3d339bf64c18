// `vpngw lab ...`: the CLI of lab/ (topologies read, planned, built, extended, measured, captured,
// reported, removed).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_lab_command(CLI::App& app);

}  // namespace vpngw
