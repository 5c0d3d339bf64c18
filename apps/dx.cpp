#include "apps/dx.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/guarded.hpp"
#include "dx/dx_config_json.hpp"

namespace vpngw {

std::function<int()> add_dx_command(CLI::App& app) {
  auto* group = app.add_subcommand("dx", "Direct Connect model (AWS's names and rules)");
  auto* check = group->add_subcommand("check", "validate a model and print it with AWS's defaults filled in");
  group->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  check->add_option("-c,--config", *path, "the model (TOML), see docs/reference/dx-model.md")->required();
  return [=]() -> int {
    if (!check->parsed()) return -1;
    return guarded([&] {
      std::cout << to_json(dx::load_direct_connect(*path)).dump(2) << "\n";
      return 0;
    });
  };
}

}  // namespace vpngw
