// The one exception config loaders throw: its message names the file, the key, the value and what
// is allowed, ready to show the user.
#pragma once

#include <stdexcept>

namespace vpngw {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vpngw
