// The configuration of a plain BGP router (`vpngw router --config FILE`): BGP and BFD on the
// namespace's own interfaces, learned routes into the kernel, no tunnels and no data plane. The
// routers of Direct Connect and IX labs, and any router a lab needs beside AWS's pieces.
// Reference: docs/reference/router.md (printed from router_schema()); example: examples/router.toml.
#pragma once

#include <string>
#include <string_view>

#include "common/config/config_schema.hpp"
#include "proto/bgp/config.hpp"

namespace vpngw {

struct RouterConfig {
  std::string name = "router";
  BgpConfig bgp;  // router_id required: a router has no TUN address to take it from
  std::string management_socket;  // empty: /run/vpngw/<name>.sock
};

// `source` names the input in error messages (usually the file path).
RouterConfig parse_router_config(std::string_view toml_text, const std::string& source);
RouterConfig load_router_config(const std::string& path);

const ConfigSchema& router_schema();

}  // namespace vpngw
