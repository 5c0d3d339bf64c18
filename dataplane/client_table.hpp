// What the Client VPN data plane knows about connected clients, published by the control plane as
// an immutable snapshot (one atomic load per batch). Keys, replay windows and counters live in
// shared objects that survive republishing; each has exactly one writer:
//   ClientKeys::seal + next_packet_id  - the outbound worker (TUN -> client)
//   ClientKeys::open + replay          - the inbound worker (client -> TUN)
//   ClientCounters rx_* / tx_*         - inbound / outbound worker respectively
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dataplane/ovpn_data.hpp"
#include "dataplane/replay_window.hpp"

namespace vpngw {

struct ClientKeys {
  ClientKeys(uint8_t id, std::unique_ptr<ovpn::DataKey> s, std::unique_ptr<ovpn::DataKey> o)
      : key_id(id), seal(std::move(s)), open(std::move(o)) {}
  uint8_t key_id;
  std::unique_ptr<ovpn::DataKey> seal;
  std::unique_ptr<ovpn::DataKey> open;
  std::atomic<uint32_t> next_packet_id{1};
  ReplayWindow replay{ReplayWindow::kMaxSize};
};

struct ClientCounters {
  std::atomic<uint64_t> rx_packets{0}, rx_bytes{0}, tx_packets{0}, tx_bytes{0};
  std::atomic<uint64_t> last_rx_ns{0};       // any authenticated packet, pings included
  std::atomic<uint64_t> last_tx_ns{0};       // outbound worker: when it last sent anything
  std::atomic<uint64_t> drop_unauthorized{0};  // destination without a route or authorization rule
  std::atomic<uint64_t> drop_spoofed{0};       // source address not the one we assigned
  std::atomic<bool> exit_notified{false};      // OCC exit on the data channel
};

// Which destinations this client may reach: a route in the endpoint's route table AND an
// authorization rule granting the client (longest matching rule decides). Compiled by the
// control plane per client; evaluated per packet (a handful of prefixes, linear is fine).
struct AccessPolicy {
  struct Prefix {
    uint32_t network = 0;  // host order, masked
    uint8_t len = 0;
    bool allow = true;     // rules only
  };
  std::vector<Prefix> routes;
  std::vector<Prefix> rules;
  bool allows(uint32_t dst) const;
};

struct ClientEntry {
  uint32_t peer_id = 0;
  sockaddr_storage address{};  // the client's outside address and port
  socklen_t address_len = 0;
  uint32_t tunnel_ip = 0;      // host order
  std::shared_ptr<ClientKeys> primary;   // sends; also receives
  std::shared_ptr<ClientKeys> previous;  // receives during the transition after a renegotiation
  std::shared_ptr<ClientCounters> counters;
  std::shared_ptr<const AccessPolicy> access;
  ClientKeys* keys_for(uint8_t key_id) const {
    if (primary && primary->key_id == key_id) return primary.get();
    if (previous && previous->key_id == key_id) return previous.get();
    return nullptr;
  }
};

struct ClientTable {
  std::unordered_map<uint32_t, std::shared_ptr<const ClientEntry>> by_peer_id;
  std::unordered_map<uint32_t, std::shared_ptr<const ClientEntry>> by_tunnel_ip;
};

}  // namespace vpngw
