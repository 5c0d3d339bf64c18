// Fuzzes what a BGP peer (or anyone who reaches TCP 179) can send: framing, every message parser
// and the session FSM. The first byte picks the mode: parse one message with 4-byte or 2-byte AS
// decoding, or stream the rest into an established session (which must never crash, whatever
// NOTIFICATION it decides to send). The seed corpus holds valid OPEN, UPDATE and KEEPALIVE bytes.
#include <cstdint>
#include <vector>

#include "proto/bgp/session.hpp"

using namespace vpngw::bgp;

namespace {

// Takes what the session gave out, so that what it produced is looked at, not just queued.
void drain(Session& s) {
  (void)s.take_outgoing();
  for (auto& e : s.take_events())
    if (auto* u = std::get_if<UpdateReceived>(&e)) (void)u->update.end_of_rib();
}

std::vector<uint8_t> peer_open() {
  Open o;
  o.my_as = 65000;
  o.hold_time = 90;
  o.bgp_id = 0x0a000002;
  o.caps.as4 = 65000;
  o.caps.families = {Family{Afi::ipv4, Safi::unicast}, Family{Afi::ipv6, Safi::unicast}};
  return encode_open(o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0] % 3;
  std::span<const uint8_t> rest(data + 1, size - 1);
  if (mode < 2) {
    auto framed = frame_length(rest);
    if (framed && framed.value() > 0) (void)parse_message(rest.first(framed.value()), CodecContext{mode == 0, true});
    return 0;
  }
  static const std::vector<uint8_t> open = peer_open();
  static const std::vector<uint8_t> keepalive = encode_keepalive();
  SessionConfig cfg;
  cfg.remote_as = 65000;
  cfg.router_id = 0x0a000001;
  Session s(cfg);
  s.connected(0);
  s.receive(open, 0);
  s.receive(keepalive, 0);
  drain(s);
  // Feed in two pieces so that reassembly across reads is exercised too, then let the timers run.
  const size_t half = rest.size() / 2;
  s.receive(rest.first(half), 1);
  drain(s);
  s.receive(rest.subspan(half), 2);
  s.update_timers(s.next_deadline() == Session::kNever ? 3 : s.next_deadline());
  drain(s);
  return 0;
}
