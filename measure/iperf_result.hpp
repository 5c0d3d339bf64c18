// What one iperf3 client run (`iperf3 -J`) measured, read from its JSON. iperf3 is the benchmark's
// traffic on every path, so the numbers of all paths come from one reader. I/O-free.
#pragma once

#include <string_view>

namespace vpngw::measure {

// Both from the receiver's summary. Not from its datagram and loss counters: with --omit, iperf3
// 3.12 counts as lost what the omitted first second carried, so a tunnel whose queue filled then
// showed a tenth of what it delivered.
struct IperfResult {
  double mbps = 0;       // what the receiver got
  double received_bytes = 0;
  double seconds = 0;
  // Datagrams of `payload` bytes that arrived per second, in thousands.
  double kpps(double payload) const { return seconds > 0 ? received_bytes / payload / seconds / 1e3 : 0; }
};

// Throws std::runtime_error naming what is missing or the
// error iperf3 itself reported ("error": "unable to connect to server ...").
IperfResult parse_iperf_json(std::string_view json);

}  // namespace vpngw::measure
