// `vpngw lab` and `vpngw bench` hand over to scripts in the source tree (lab/lab.sh, bench/run.sh):
// namespaces and processes are their business, and they drive only the public vpngw commands.
#pragma once

#include <string>
#include <vector>

namespace vpngw {

// Replaces this process with `bash SCRIPT ARGS...`, with VPNGW_BIN set to this binary. The script
// is looked up under $VPNGW_SOURCE_DIR (default: the tree this binary was built from). Returns
// only on failure, with an exit status.
int exec_source_script(const std::string& relative_path, const std::vector<std::string>& args);

}  // namespace vpngw
