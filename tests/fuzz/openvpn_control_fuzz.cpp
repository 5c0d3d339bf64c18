// Fuzzes what any host that reaches the Client VPN port can send before authenticating: OpenVPN
// control packets (framing, acks, packet ids) into the reliability layer, and the payloads it
// delivers in order into the key method 2 parser, as the server session does with TLS plaintext.
// Input: a series of [1 byte length][datagram] records.
#include <cstdint>
#include <span>
#include <vector>

#include "proto/openvpn/key_method.hpp"
#include "proto/openvpn/reliable.hpp"
#include "dataplane/openvpn_wire.hpp"

using namespace vpngw::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReliableChannel rel;
  std::vector<uint8_t> plaintext;
  uint64_t now = 0;
  std::span<const uint8_t> in(data, size);
  while (!in.empty()) {
    const size_t len = std::min<size_t>(in[0], in.size() - 1);
    auto p = parse_control(in.subspan(1, len));
    in = in.subspan(1 + len);
    now += 100'000'000;
    if (!p) continue;
    std::vector<uint8_t> again;
    serialize_control(p.value(), again);
    auto reparsed = parse_control(again);
    if (!reparsed || reparsed->acks != p->acks || reparsed->packet_id != p->packet_id) __builtin_trap();
    rel.on_acks(p->acks);
    if (p->packet_id) rel.receive(p->opcode, *p->packet_id, p->payload);
    while (auto m = rel.pop_in_order()) plaintext.insert(plaintext.end(), m->payload.begin(), m->payload.end());
    if (plaintext.size() > 4096) plaintext.clear();
    size_t used = 0;
    auto km = parse_client_key_message(plaintext, &used);
    if (km && used > plaintext.size()) __builtin_trap();
    if (km) (void)iv_ciphers(km.value());
    if (p->payload.size() % 3 == 0) rel.queue(Opcode::control_v1, {p->payload.begin(), p->payload.end()});
    (void)rel.due(now);
    (void)rel.take_acks(kMaxAcks);
  }
  return 0;
}
