// What a failover did to a sequenced stream (sequenced_stream.hpp): loss, duplicates,
// reordering, the time from the fault to the first packet delivered that was sent after it, and
// packets delivered per 10 ms around the fault, as JSON and as an SVG picture. I/O-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "measure/sequenced_stream.hpp"

namespace vpngw::measure {

struct FailoverReport {
  std::string label;             // e.g. "bfd / SIGKILL"
  uint64_t sent = 0;
  uint64_t received = 0;         // distinct sequence numbers
  uint64_t lost = 0;
  uint64_t duplicates = 0;
  uint64_t reordered = 0;        // arrived after a higher sequence number
  std::optional<double> detect_ms;     // fault to the gateway declaring the path dead (from outside)
  std::optional<double> restore_ms;    // fault to the end of the longest silence after it (by a packet sent after the fault)
  double longest_gap_ms = 0;           // longest silence between arrivals after the fault
  std::optional<uint64_t> lost_on_return;  // lost among packets sent after the failed path came back
  int64_t fault_ns = 0;
  int64_t first_sent_ns = 0;
  static constexpr int64_t kBinNs = 10'000'000;
  int64_t bins_start_ns = 0;           // first bin (1 s before the fault)
  std::vector<uint32_t> bins;          // packets delivered per 10 ms
};

FailoverReport analyze_failover(std::string label, const std::vector<Arrival>& arrivals, uint64_t sent, int64_t fault_ns,
                                std::optional<int64_t> detect_ns, std::optional<int64_t> recover_ns = std::nullopt);
nlohmann::json to_json(const FailoverReport& r);
// One panel per report: delivered packets per 10 ms, the fault and the detection marked.
std::string to_svg(const std::vector<FailoverReport>& reports);

}  // namespace vpngw::measure
