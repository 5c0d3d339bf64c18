// What happens to one packet, without any I/O, so tests can drive it with byte buffers:
//
//   outbound: inner packet from TUN -> parse destination -> FIB -> tunnel -> outbound SA ->
//             the tunnel's rate limit -> ESP seal
//   inbound:  UDP 4500 payload -> RFC 3948 classify -> SPI -> inbound SA -> replay check ->
//             authenticate + decrypt -> slide window -> inner packet sanity -> rate limit -> TUN
// (Inbound, the limit comes after authentication, so forged packets cannot use up a tunnel's
// allowance; outbound, before sealing, so a policed packet costs no crypto and no sequence number.)
//
// Each function returns where the packet goes next, or the counter its drop lands in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/esp.hpp"
#include "dataplane/fib.hpp"
#include "dataplane/sa.hpp"

namespace vpngw {

struct Sealed {
  const TunnelEntry* tunnel;
  size_t esp_len;  // the ESP packet starts at the slot's first byte
};

// slot: the inner packet sits at [kEspHeadroom, kEspHeadroom + inner_len). `now_ns` drives the
// tunnel's rate limit (CLOCK_MONOTONIC).
Result<Sealed, Counter> process_outbound(const Fib& fib, const SaTable& sas, std::span<uint8_t> slot,
                                         size_t inner_len, int64_t now_ns);

struct Opened {
  size_t offset;  // of the inner packet within the UDP payload
  size_t len;
};

// Non-ESP UDP 4500 traffic (NAT keepalives, IKE) also comes back as a "drop" with its own counter:
// the data plane does not handle it.
Result<Opened, Counter> process_inbound(const SaTable& sas, std::span<uint8_t> udp_payload, int64_t now_ns);

}  // namespace vpngw
