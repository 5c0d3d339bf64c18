// `vpngw stream`: the sequenced UDP stream failover measurements use (send, recv, report, now).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

std::function<int()> add_stream_command(CLI::App& app);

}  // namespace vpngw
