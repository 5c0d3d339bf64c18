// How every vpngw subcommand reports failure: config mistakes exit 2 with the loader's message
// (file, key, value, what is allowed), other failures exit 1.
#pragma once

#include <functional>
#include <iostream>

#include "common/config/config_error.hpp"

namespace vpngw {

inline int guarded(const std::function<int()>& run) {
  try {
    return run();
  } catch (const ConfigError& e) {
    std::cerr << "vpngw: config error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "vpngw: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace vpngw
