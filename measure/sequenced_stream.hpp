// A steady, sequenced UDP stream for measuring failover: the sender paces datagrams carrying a
// sequence number and their send time (CLOCK_MONOTONIC, one clock for every namespace of the
// host), the receiver records what arrived and when. Loss, duplicates, reordering and the gap
// around a fault follow from those records (failover_report.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"

namespace vpngw::measure {

struct Arrival {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
  int64_t received_ns = 0;
};

inline constexpr size_t kProbeSize = 64;

// The datagram: magic "VPSQ", sequence number, send time; the rest zero.
void encode_probe(uint64_t seq, int64_t sent_ns, std::span<uint8_t, kProbeSize> out);
std::optional<Arrival> decode_probe(std::span<const uint8_t> datagram, int64_t received_ns);

struct SendResult {
  uint64_t sent = 0;
  uint64_t send_errors = 0;  // e.g. no route while a tunnel is down: counted, the stream goes on
};
// Sends `pps` datagrams per second for `seconds` from `source` (if set) to destination:port, or
// until `stop_file` (if not empty) exists.
SendResult send_stream(const IpAddress& destination, uint16_t port, std::optional<IpAddress> source, uint32_t pps,
                       double seconds, const std::string& stop_file = "");

struct ReceiveResult {
  std::vector<Arrival> arrivals;
  uint64_t malformed = 0;
};
// Receives on bind:port until `seconds` have passed (or `stop_file` appears, if not empty).
ReceiveResult receive_stream(const IpAddress& bind, uint16_t port, double seconds, const std::string& stop_file);

}  // namespace vpngw::measure
