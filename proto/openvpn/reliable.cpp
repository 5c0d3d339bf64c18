#include "proto/openvpn/reliable.hpp"

#include <algorithm>

namespace vpngw::ovpn {

ReliableChannel::Receive ReliableChannel::receive(Opcode opcode, uint32_t packet_id,
                                                  std::span<const uint8_t> payload) {
  // Ids behind the window were delivered already: ack again, since the peer evidently did not
  // get our ack. Ids too far ahead are dropped unacked so the peer retransmits them later.
  if (packet_id < next_receive_) {
    if (std::find(acks_.begin(), acks_.end(), packet_id) == acks_.end()) acks_.push_back(packet_id);
    return Receive::duplicate;
  }
  if (packet_id - next_receive_ >= kReceiveWindow) return Receive::outside_window;
  if (std::find(acks_.begin(), acks_.end(), packet_id) == acks_.end()) acks_.push_back(packet_id);
  if (received_.count(packet_id)) return Receive::duplicate;
  received_.emplace(packet_id, ReliableMessage{opcode, packet_id, {payload.begin(), payload.end()}});
  return Receive::accepted;
}

std::optional<ReliableMessage> ReliableChannel::pop_in_order() {
  auto it = received_.find(next_receive_);
  if (it == received_.end()) return std::nullopt;
  ReliableMessage m = std::move(it->second);
  received_.erase(it);
  ++next_receive_;
  return m;
}

void ReliableChannel::on_acks(std::span<const uint32_t> ids) {
  for (uint32_t id : ids) {
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                           [id](const InFlight& f) { return f.msg.packet_id == id; });
    if (it != in_flight_.end()) in_flight_.erase(it);
  }
}

void ReliableChannel::queue(Opcode opcode, std::vector<uint8_t> payload) {
  waiting_.push_back(ReliableMessage{opcode, 0, std::move(payload)});
}

std::vector<const ReliableMessage*> ReliableChannel::due(uint64_t now_ns) {
  while (in_flight_.size() < kSendWindow && !waiting_.empty()) {
    InFlight f{std::move(waiting_.front())};
    waiting_.pop_front();
    f.msg.packet_id = next_send_++;
    in_flight_.push_back(std::move(f));
  }
  std::vector<const ReliableMessage*> out;
  for (auto& f : in_flight_) {
    if (f.deadline != 0 && f.deadline > now_ns) continue;
    if (f.deadline != 0) {
      ++retransmissions_;
      f.backoff = std::min(f.backoff * 2, kMaxRetransmitNs);
    }
    f.deadline = now_ns + f.backoff;
    out.push_back(&f.msg);
  }
  return out;
}

std::vector<uint32_t> ReliableChannel::take_acks(size_t max) {
  const size_t n = std::min(max, acks_.size());
  std::vector<uint32_t> out(acks_.begin(), acks_.begin() + long(n));
  acks_.erase(acks_.begin(), acks_.begin() + long(n));
  return out;
}

uint64_t ReliableChannel::next_deadline() const {
  uint64_t d = UINT64_MAX;
  for (const auto& f : in_flight_) d = std::min(d, f.deadline);
  if (!waiting_.empty() && in_flight_.size() < kSendWindow) d = 0;
  return d;
}

}  // namespace vpngw::ovpn
