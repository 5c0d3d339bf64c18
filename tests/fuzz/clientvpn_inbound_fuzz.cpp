// Fuzzes the Client VPN endpoint's inbound data path with what a connected (or spoofing) client
// can send: P_DATA_V2 datagrams for a table with one client. Most inputs fail authentication; the
// first input byte can select the client's real key so that decrypted payloads (pings, exit
// notifications, IP headers with hostile lengths) reach the checks behind the AEAD as well.
#include <netinet/in.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/clientvpn_pipeline.hpp"

using namespace vpngw;

namespace {

struct World {
  ClientTable table;
  std::shared_ptr<ClientEntry> entry = std::make_shared<ClientEntry>();
  std::unique_ptr<ovpn::DataKey> client_seal;
  World() {
    std::array<uint8_t, 32> key{};
    std::array<uint8_t, 8> iv{};
    auto& a = reinterpret_cast<sockaddr_in&>(entry->address);
    a.sin_family = AF_INET;
    a.sin_port = htons(1194);
    a.sin_addr.s_addr = htonl(0xc6336465);
    entry->peer_id = 1;
    entry->tunnel_ip = 0xac100002;
    entry->primary = std::make_shared<ClientKeys>(
        0, std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key, iv, AeadDirection::seal),
        std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key, iv, AeadDirection::open));
    entry->counters = std::make_shared<ClientCounters>();
    auto policy = std::make_shared<AccessPolicy>();
    policy->routes = {{0x0a000000, 8, true}};
    policy->rules = {{0x0a000000, 8, true}};
    entry->access = policy;
    table.by_peer_id[1] = entry;
    table.by_tunnel_ip[entry->tunnel_ip] = entry;
    client_seal = std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key, iv, AeadDirection::seal);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  static uint32_t next_id = 1;
  if (size == 0) return 0;
  std::vector<uint8_t> d;
  if (data[0] & 1) {
    // Seal the rest as the client would, so the payload reaches the post-decryption checks.
    d.resize(size - 1 + ovpn::kDataV2Overhead);
    d.resize(ovpn::seal_data_v2(*w.client_seal, 0, 1, next_id++, {data + 1, size - 1}, d));
  } else {
    d.assign(data + 1, data + size);
  }
  auto r = clientvpn_inbound(w.table, d, w.entry->address, 1);
  if (r && r->kind == InboundResult::Kind::ip_packet &&
      (r->packet.data() < d.data() || r->packet.data() + r->packet.size() > d.data() + d.size()))
    __builtin_trap();  // the packet must lie inside the datagram
  std::vector<uint8_t> slot(2048);
  const size_t n = std::min(size, slot.size() - kClientVpnHeadroom);
  std::memcpy(slot.data() + kClientVpnHeadroom, data, n);
  (void)clientvpn_outbound(w.table, slot, n);
  return 0;
}
