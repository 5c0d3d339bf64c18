// `vpngw ctl`: asks a running gateway over its management socket and prints the answer as a
// table (or the JSON itself with --json).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json_fwd.hpp>

namespace vpngw {

// Adds the `ctl` subcommand to `app`; the returned function runs it after parsing.
std::function<int()> add_ctl_command(CLI::App& app);

// The tables `vpngw ctl` prints (also in `vpngw lab status`), from the management answers.
void print_summary(const nlohmann::json& bgp_summary);
void print_ike(const nlohmann::json& ike, bool with_log = true);
void print_vgw(const nlohmann::json& vgw);
void print_dx(const nlohmann::json& dx);
void print_connections(const nlohmann::json& connections);

}  // namespace vpngw
