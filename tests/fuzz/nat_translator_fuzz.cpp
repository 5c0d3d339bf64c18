// Fuzzes the NAT translator with packets from both sides. Byte 0 picks the direction and ENI;
// the translator keeps its state across inputs (a small table, so it fills, expires and refuses),
// which lets the fuzzer build mappings in one input and hit them with ICMP errors and fragments in
// the next.
#include <cstdint>
#include <cstring>
#include <vector>

#include "nat/translator.hpp"

using namespace vpngw::nat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Translator nat([] {
    TranslatorConfig c;
    c.eni_addresses = {0x0a00010a, 0x0a00020a};
    c.inside_address = 0xac100001;
    c.capacity = 256;
    c.timeouts = Timeouts{.udp = 5, .tcp_established = 20, .tcp_transitory = 4, .icmp = 2};
    return c;
  }());
  static uint32_t now = 1;
  if (size < 2) return 0;
  const uint8_t control = data[0];
  now += control >> 6;
  nat.expire(now);
  std::vector<uint8_t> buf(std::max<size_t>(size - 1, kIcmpErrorMax) + 16);
  std::memcpy(buf.data(), data + 1, size - 1);
  const uint8_t eni = (control >> 1) & 3;  // 2 and 3 are not ENIs: must be refused cleanly
  const Verdict v = (control & 1) ? nat.inbound(buf, size - 1, eni, now) : nat.outbound(buf, size - 1, eni, now);
  if (v.action != Action::drop && v.len > buf.size()) __builtin_trap();
  return 0;
}
