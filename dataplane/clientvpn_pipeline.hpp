// The Client VPN endpoint's per-packet work, I/O-free so tests and the fuzzer drive it with
// bytes (the worker adds the sockets and the TUN device around it):
//
//   inbound:  UDP datagram -> P_DATA_V2? -> client by peer id -> same outside address? -> key by
//             key id -> replay check -> AEAD open -> replay accept -> ping / exit notify / IPv4
//             from the client's own address to an authorized destination -> TUN
//             control opcodes -> the control plane's inbox
//   outbound: TUN packet -> client by destination address -> seal with the primary key -> UDP
//
// Every packet that is not delivered ends in exactly one named counter.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.hpp"
#include "dataplane/client_table.hpp"
#include "dataplane/counters.hpp"

namespace vpngw {

#define VPNGW_CLIENTVPN_COUNTERS(X)                                                               \
  X(rx_packets, "client packets decrypted and written to the TUN device")                         \
  X(rx_bytes, "inner bytes from clients")                                                         \
  X(rx_ping, "keepalive pings from clients")                                                      \
  X(rx_exit_notify, "explicit exit notifications on the data channel")                            \
  X(rx_control, "control-channel packets handed to the control plane")                            \
  X(tx_packets, "packets encrypted to clients")                                                   \
  X(tx_bytes, "inner bytes to clients")                                                           \
  X(tx_ping, "keepalive pings sent to clients idle for 10 s")                                     \
  X(drop_rx_malformed, "datagram too short or with an opcode this endpoint does not take")        \
  X(drop_rx_unknown_peer, "P_DATA_V2 with a peer id no connected client has")                     \
  X(drop_rx_wrong_address, "P_DATA_V2 from an address other than the client's")                   \
  X(drop_rx_unknown_key, "key id with no data-channel key (expired or never negotiated)")         \
  X(drop_rx_replay, "packet id already seen or left of the replay window")                        \
  X(drop_rx_bad_tag, "AEAD authentication failed (tampered, wrong key or corrupt)")               \
  X(drop_rx_not_ipv4, "decrypted payload is not an IPv4 packet (IPv6 is not offered)")            \
  X(drop_rx_spoofed, "inner source is not the address assigned to the client")                    \
  X(drop_rx_unauthorized, "destination without a route or an authorization rule for the client") \
  X(drop_rx_control_full, "control packet dropped: the control plane's inbox was full")           \
  X(drop_rx_tun_write, "the kernel refused the decrypted packet on the TUN device")               \
  X(drop_tx_not_ipv4, "packet read from the TUN device is not IPv4")                              \
  X(drop_tx_no_client, "no connected client has the destination address")                         \
  X(drop_tx_no_key, "the client has no data-channel key yet")                                     \
  X(drop_tx_packet_id_exhausted, "the key ran out of packet ids; it needs a renegotiation")       \
  X(drop_tx_too_big, "packet does not fit the buffer with OpenVPN's overhead")                    \
  X(drop_tx_crypto, "the AEAD library refused to encrypt")                                        \
  X(drop_tx_send_error, "the kernel refused to send the UDP datagram")

enum class CvpnCounter : uint8_t {
#define VPNGW_CVPN_ENUM(name, help) name,
  VPNGW_CLIENTVPN_COUNTERS(VPNGW_CVPN_ENUM)
#undef VPNGW_CVPN_ENUM
      count_
};
inline constexpr size_t kCvpnCounterCount = size_t(CvpnCounter::count_);
inline constexpr std::array<CounterInfo, kCvpnCounterCount> kCvpnCounterInfo = {{
#define VPNGW_CVPN_INFO(name, help) {#name, help},
    VPNGW_CLIENTVPN_COUNTERS(VPNGW_CVPN_INFO)
#undef VPNGW_CVPN_INFO
}};
using CvpnCounterSet = BasicCounterSet<CvpnCounter, kCvpnCounterCount>;

struct InboundResult {
  enum class Kind : uint8_t { ip_packet, ping, exit_notify, control } kind;
  std::span<uint8_t> packet;  // ip_packet: the inner packet, decrypted in place
};
// `from` is the datagram's source. On success the packet is counted by the caller.
Result<InboundResult, CvpnCounter> clientvpn_inbound(const ClientTable& clients, std::span<uint8_t> datagram,
                                                     const sockaddr_storage& from, uint64_t now_ns);

struct OutboundResult {
  size_t len;                // the datagram, written at the start of the slot
  const ClientEntry* client;
};
// `slot` holds the packet at offset kClientVpnHeadroom, `len` bytes.
inline constexpr size_t kClientVpnHeadroom = ovpn::kDataV2Overhead;
Result<OutboundResult, CvpnCounter> clientvpn_outbound(const ClientTable& clients, std::span<uint8_t> slot,
                                                       size_t len);

// A keepalive ping for `client` into out (at least 16 + kDataV2Overhead bytes); 0 if it cannot.
size_t clientvpn_ping(const ClientEntry& client, std::span<uint8_t> out);

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b);

}  // namespace vpngw
