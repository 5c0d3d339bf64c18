// Fuzzes the IKEv2 parsers on what anyone can send to UDP 500/4500: the header, the payload chain,
// and every typed payload parser on every payload found.
#include <cstdint>
#include <span>

#include "proto/ike/message.hpp"

using namespace vpngw::ike;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = parse_message(std::span<const uint8_t>(data, size));
  if (!m) return 0;
  for (const auto& p : m->payloads) {
    switch (p.type) {
      case payload::sa: (void)parse_sa(p.body); break;
      case payload::ke: (void)parse_ke(p.body); break;
      case payload::idi: case payload::idr: if (auto id = parse_id(p.body)) (void)id->to_string(); break;
      case payload::auth: (void)parse_auth(p.body); break;
      case payload::notify: (void)parse_notify(p.body); break;
      case payload::del: (void)parse_delete(p.body); break;
      case payload::tsi: case payload::tsr: (void)parse_ts(p.body); break;
      case payload::sk: (void)parse_payload_chain(m->sk_first_inner, p.body); break;
      default: break;
    }
  }
  return 0;
}
