// `vpngw stream`: the sequenced UDP stream failover measurements use (send, recv, report, now).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace vpngw {

std::function<int()> add_stream_command(CLI::App& app);

// The failover table for runs given as LABEL,ARRIVALS_CSV,SENT,FAULT_NS[,DETECT_NS[,RECOVER_NS]],
// and the JSON and SVG when their paths are not empty (`vpngw stream report`, `vpngw lab failover`).
void print_stream_report(const std::vector<std::string>& runs, const std::string& json_path, const std::string& svg_path);

}  // namespace vpngw
