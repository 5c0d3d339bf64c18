#include "measure/iperf_result.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace vpngw::measure {

IperfResult parse_iperf_json(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw std::runtime_error("iperf3 output is not JSON: " + std::string(json.substr(0, 200)));
  if (doc.contains("error")) throw std::runtime_error("iperf3: " + doc["error"].get<std::string>());
  // The end summaries; with --omit they leave the omitted first second out (the steady state).
  const auto* sum = doc.contains("end") ? &doc["end"] : nullptr;
  if (!sum || !sum->contains("sum_received")) throw std::runtime_error("iperf3 JSON has no end.sum_received");
  const auto& s = (*sum)["sum_received"];
  IperfResult r;
  r.seconds = s.value("seconds", 0.0);
  r.mbps = s.value("bits_per_second", 0.0) / 1e6;
  r.received_bytes = s.value("bytes", 0.0);
  return r;
}

}  // namespace vpngw::measure
