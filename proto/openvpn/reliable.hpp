// OpenVPN's reliability layer for one key state (OpenVPN's reliable.c in behaviour): control
// messages carry 32-bit packet ids starting at 0; every received one is acknowledged (also
// duplicates, since our ack may have been lost); the receiver delivers in id order and buffers a
// few ahead; the sender keeps a small window of unacknowledged messages and retransmits them with
// exponential backoff. I/O-free: the session feeds it packets and the clock and asks what to send.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/openvpn_wire.hpp"

namespace vpngw::ovpn {

struct ReliableMessage {
  Opcode opcode = Opcode::control_v1;
  uint32_t packet_id = 0;
  std::vector<uint8_t> payload;
};

class ReliableChannel {
 public:
  static constexpr size_t kReceiveWindow = 8;   // OpenVPN's client sends no further ahead
  static constexpr size_t kSendWindow = 6;      // unacknowledged messages we keep in flight
  static constexpr uint64_t kInitialRetransmitNs = 1'000'000'000;
  static constexpr uint64_t kMaxRetransmitNs = 8'000'000'000;

  enum class Receive : uint8_t { accepted, duplicate, outside_window };
  // A control message with a packet id arrived. Every one inside or behind the window is acked.
  Receive receive(Opcode opcode, uint32_t packet_id, std::span<const uint8_t> payload);
  // The next message in packet-id order, if it has arrived.
  std::optional<ReliableMessage> pop_in_order();

  // Acks from the peer; unknown ids are ignored (late duplicates).
  void on_acks(std::span<const uint32_t> ids);
  // Queues a message for sending; it gets the next packet id when it enters the send window.
  void queue(Opcode opcode, std::vector<uint8_t> payload);

  // Messages to (re)transmit now; each returned message's timer restarts.
  std::vector<const ReliableMessage*> due(uint64_t now_ns);
  // Up to max ids we owe the peer an ack for, removed from the pending list.
  std::vector<uint32_t> take_acks(size_t max);
  bool acks_pending() const { return !acks_.empty(); }
  // When `due` next has something (UINT64_MAX: nothing in flight).
  uint64_t next_deadline() const;
  bool idle() const { return in_flight_.empty() && waiting_.empty(); }
  uint32_t retransmissions() const { return retransmissions_; }

 private:
  struct InFlight {
    ReliableMessage msg;
    uint64_t deadline = 0;  // 0: not sent yet
    uint64_t backoff = kInitialRetransmitNs;
  };
  uint32_t next_receive_ = 0;
  std::map<uint32_t, ReliableMessage> received_;  // ids >= next_receive_, at most kReceiveWindow
  std::vector<uint32_t> acks_;
  uint32_t next_send_ = 0;
  std::deque<InFlight> in_flight_;
  std::deque<ReliableMessage> waiting_;  // packet id not assigned yet
  uint32_t retransmissions_ = 0;
};

}  // namespace vpngw::ovpn
