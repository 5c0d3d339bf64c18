// `vpngw bench`'s data-plane comparison: every data path (data_paths.hpp) in a fresh two-gateway
// lab, the same iperf3 tests through each, REPS runs of SECONDS each, in one run on one machine.
// Tests: one TCP stream, four TCP streams, UDP with 64-byte payloads. iperf3 leaves the first
// second out (--omit 1: TCP slow start and ARP are not the steady state). Beside throughput, the
// CPU time the path's daemons used, as the value per core they kept busy.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "measure/spread.hpp"

namespace vpngw::bench {

struct ComparisonOptions {
  std::vector<std::string> paths;  // empty: all
  unsigned reps = 3;
  unsigned seconds = 5;            // measured, after the omitted first one
  // Where a data file (a path's topology) is; empty when it is nowhere.
  std::function<std::string(const std::string&)> find_data_file;
  std::string prefix = "bench";    // namespaces PREFIX-*
  std::filesystem::path work;      // one folder per path below it
  std::filesystem::path vpngw;
};

struct TestResult {
  std::optional<measure::Spread> value;           // Mb/s for TCP, kpps received for UDP 64 B
  std::optional<measure::Spread> per_core;        // value over the daemons' CPU cores busy; none for veth
  std::vector<std::string> errors;                // runs that carried nothing, and why
};

struct Comparison {
  // path -> test ("tcp1", "tcp4", "udp64") -> result
  std::map<std::string, std::map<std::string, TestResult>> results;
  std::vector<std::string> paths;  // in the order run
  // NAT path -> flow metric (nat_flows.hpp) -> its runs, each in a fresh lab
  std::map<std::string, std::map<std::string, std::optional<measure::Spread>>> nat_flows;
};

// Progress lines go to `progress` as each run ends. A path that does not come up is recorded
// with its error and the others still run.
Comparison run_comparison(const ComparisonOptions& o, std::ostream& progress);

// median [min-max] and the ratio to vpngw per cell; per-core efficiency and the NAT flows below.
void print_comparison(const Comparison& c, std::ostream& out);
// {path: {test: {median, min, max, runs, ratio_to_vpngw, per_core: {median, min, max, runs}, errors}},
//  "nat_flows": {path: {metric: {median, min, max, runs}}}}
nlohmann::json comparison_json(const Comparison& c);

}  // namespace vpngw::bench
