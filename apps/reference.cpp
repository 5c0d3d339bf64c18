#include "apps/reference.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "clientvpn/endpoint_config.hpp"
#include "dx/dx_config.hpp"
#include "gateway/gateway_config.hpp"
#include "nat/nat_config.hpp"
#include "router/router_config.hpp"
#include "s2s/vpn_config.hpp"
#include "lab/topology.hpp"

namespace vpngw {
namespace {

std::vector<const ConfigSchema*> schemas() {
  return {&gateway_schema(), &s2s::model_schema(), &clientvpn_endpoint_schema(), &nat_schema(), &lab::topology_schema(),
          &router_schema(), &dx::dx_model_schema()};
}

}  // namespace

std::function<int()> add_reference_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("reference", "print a config or topology reference page (markdown) from its schema");
  auto name = std::make_shared<std::string>();
  cmd->add_option("name", *name, "which page; without it, the list");
  return [cmd, name]() -> int {
    if (!cmd->parsed()) return -1;
    for (const ConfigSchema* s : schemas()) {
      if (name->empty()) std::cout << s->name << "\t" << s->title << "\n";
      if (*name == s->name) {
        std::cout << reference_markdown(*s);
        return 0;
      }
    }
    if (name->empty()) return 0;
    std::cerr << "vpngw reference: no page '" << *name << "' (vpngw reference lists them)\n";
    return 2;
  };
}

}  // namespace vpngw
