// Fuzzes what anyone who reaches UDP 3784 can send: the BFD control packet parser and the
// session state machine. The input is a series of [1 byte time step in 10 ms][1 byte length]
// [datagram] records fed to one session, whose timers run in between; every packet it sends must
// parse.
#include <cstdint>
#include <span>

#include "proto/bfd/packet.hpp"
#include "proto/bfd/session.hpp"

using namespace vpngw::bfd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Session s({}, 0x1234, 1);
  int64_t now = 0;
  std::span<const uint8_t> in(data, size);
  while (in.size() >= 2) {
    now += int64_t(in[0]) * 10'000'000;
    const size_t len = std::min<size_t>(in[1], in.size() - 2);
    auto packet = parse(in.subspan(2, len));
    in = in.subspan(2 + len);
    s.update_timers(now);
    if (packet) s.receive(packet.value(), now);
    for (const auto& p : s.take_outgoing())
      if (!parse(serialize(p))) __builtin_trap();  // what we send must parse
    (void)s.take_events();
  }
  return 0;
}
