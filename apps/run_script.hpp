// `vpngw bench` hands over to a script (bench/run.sh), which drives only the public vpngw
// commands. The scripts and
// the built-in topologies are data files, found next to an installed binary (`cmake --install`
// puts them in PREFIX/share/vpngw) or in the source tree a build-tree binary came from.
#pragma once

#include <string>
#include <vector>

namespace vpngw {

// The path of a data file (e.g. "lab/report.py"), looked up in $VPNGW_DATA_DIR, $VPNGW_SOURCE_DIR,
// PREFIX/share/vpngw of this binary, and the tree it was built from; empty when none has it.
std::string find_data_file(const std::string& relative_path);

// Replaces this process with `bash SCRIPT ARGS...`, with VPNGW_BIN set to this binary. Returns
// only on failure, with an exit status.
int exec_data_script(const std::string& relative_path, const std::vector<std::string>& args);

}  // namespace vpngw
