// Fuzzes the IKE SA state machine with what any host can send to UDP 500/4500: a sequence of
// datagrams (each prefixed by a 2-byte length) fed to a fresh responder, or to an initiator that
// has sent its IKE_SA_INIT (first byte odd). Answers to the initiator's request need the right
// SPI, so the harness writes ours into datagrams that are long enough.
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/bytes.hpp"
#include "proto/ike/ike_sa.hpp"
#include "proto/ike/tunnel_options.hpp"

using namespace vpngw::ike;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const IkeConfig cfg = [] {
    IkeConfig c;
    c.psk = "Aws_Tunnel1.psk";
    c.local_id = {id_type::ipv4, {198, 51, 100, 1}};
    TunnelOptions o;
    o.phase1_dh_groups = {19};
    o.phase2_dh_groups = {19};
    c.ike_proposals = ike_proposals(o);
    c.esp_proposals = esp_proposals(o);
    return c;
  }();
  const bool initiator = data[0] & 1;
  constexpr uint64_t kOurSpi = 0x0102030405060708;
  IkeSa sa(cfg, kOurSpi, initiator ? IkeSa::Role::initiator : IkeSa::Role::responder);
  const IkeSa::Endpoints ep{0xc6336401, 0xc6336402, 500, 500};
  if (initiator) (void)sa.start(ep);
  size_t at = 1;
  for (int n = 0; n < 8 && at + 2 <= size; ++n) {
    const size_t len = std::min<size_t>(vpngw::load_be16(data + at), size - at - 2);
    std::vector<uint8_t> dgram(data + at + 2, data + at + 2 + len);
    at += 2 + len;
    if (initiator && dgram.size() >= 8) vpngw::store_be64(dgram.data(), kOurSpi);
    (void)sa.handle(dgram, ep);
    (void)sa.next_request();
  }
  return 0;
}
