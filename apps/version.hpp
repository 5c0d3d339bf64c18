// `vpngw --version`: the project version and the git commit the binary was built from.
#pragma once

#include <string>

namespace vpngw {
std::string version_string();  // generated at build time (cmake/version.cmake)
}
