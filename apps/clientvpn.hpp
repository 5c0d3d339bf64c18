// `vpngw clientvpn ...`: run a Client VPN endpoint, make a lab PKI, export a client's .ovpn.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace vpngw {

// Registers the subcommand; the returned function runs it when it was parsed (-1 otherwise).
std::function<int()> add_clientvpn_command(CLI::App& app);

}  // namespace vpngw
