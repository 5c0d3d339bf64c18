// The lab's topology files, its report page and the bench's chart are data files, found next to an
// installed binary (`cmake --install` puts them in PREFIX/share/vpngw) or in the source tree a
// build-tree binary came from.
#pragma once

#include <string>

namespace vpngw {

// The path of a data file (e.g. "lab/report.py"), looked up in $VPNGW_DATA_DIR, $VPNGW_SOURCE_DIR,
// PREFIX/share/vpngw of this binary, and the tree it was built from; empty when none has it.
std::string find_data_file(const std::string& relative_path);

}  // namespace vpngw
