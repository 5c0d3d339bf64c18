#include "measure/iperf_result.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vpngw::measure {

TEST(IperfResult, TcpIsWhatTheReceiverGot) {
  const auto r = parse_iperf_json(R"({"end": {"sum_sent": {"seconds": 5, "bits_per_second": 2.5e9},
                                              "sum_received": {"seconds": 5, "bits_per_second": 2.0e9, "bytes": 1.25e9}}})");
  EXPECT_DOUBLE_EQ(r.mbps, 2000);
}

// What iperf3 3.12 wrote with --omit 1 through a tunnel that lost packets in the omitted second:
// its loss counter says 0.5 kpps arrived, the bytes say 100.
TEST(IperfResult, UdpCountsDatagramsByTheBytesThatArrived) {
  const auto r = parse_iperf_json(R"({"end": {"sum": {"seconds": 2, "packets": 200000, "lost_packets": 199000},
      "sum_received": {"seconds": 2, "bits_per_second": 1.024e8, "bytes": 12800000, "packets": 200000,
                       "lost_packets": 199000}}})");
  EXPECT_DOUBLE_EQ(r.kpps(64), 100);
  EXPECT_DOUBLE_EQ(r.mbps, 102.4);
}

TEST(IperfResult, IperfsOwnErrorAndBrokenOutputAreErrors) {
  try {
    parse_iperf_json(R"({"start": {}, "error": "unable to connect to server: Connection refused"})");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Connection refused"), std::string::npos);
  }
  EXPECT_THROW(parse_iperf_json("iperf3: error"), std::runtime_error);
  EXPECT_THROW(parse_iperf_json(R"({"end": {"sum": {}}})"), std::runtime_error);
}

}  // namespace vpngw::measure
