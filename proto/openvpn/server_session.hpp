// One OpenVPN client as the server sees it, I/O-free: parsed control packets and the clock go in;
// datagrams to send and events come out. Per key id (0 at connect, 1..7 then 1.. again on each
// client-initiated renegotiation) a key state runs its own reliability layer, TLS session and key method 2
// exchange; the session ids stay for the connection's life.
//
//   client                                      server (this class)
//   HARD_RESET_CLIENT_V2 (pid 0)        ->
//                                       <-      HARD_RESET_SERVER_V2 (pid 0, acks 0)
//   CONTROL_V1 TLS records ...          <->     CONTROL_V1 TLS records ... (mutual certificates)
//   key method 2 (randoms, peer info)   ->      event authenticated: the endpoint accept()s
//                                       <-      key method 2 (randoms, options string)
//   PUSH_REQUEST                        ->      PUSH_REPLY (ifconfig, routes, peer-id, cipher,
//                                               key derivation); event keys_ready
//   ... P_DATA_V2 (the data plane's business) ...
//   SOFT_RESET_V1 (key id k)            <->     the same exchange under key id k; keys_ready
//   EXIT (control message)              ->      event closed
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proto/openvpn/data_keys.hpp"
#include "proto/openvpn/key_method.hpp"
#include "proto/openvpn/reliable.hpp"
#include "proto/openvpn/tls_server.hpp"
#include "dataplane/openvpn_wire.hpp"

namespace vpngw::ovpn {

struct SessionConfig {
  const TlsServerContext* tls = nullptr;
  std::vector<Cipher> data_ciphers{Cipher::aes_gcm_256, Cipher::aes_gcm_128, Cipher::chacha20_poly1305};
  bool allow_tls_ekm = true;  // false: always the legacy PRF (to test it against real clients)
  uint64_t hand_window_ns = 60'000'000'000;  // OpenVPN's --hand-window
  std::string options_string = "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,"
                               "auth [null-digest],keysize 256,key-method 2,tls-server";
};

struct SessionEvent {
  enum class Kind : uint8_t {
    authenticated,  // key id 0's key method 2 arrived: call accept() or reject()
    keys_ready,     // data-channel keys for `key_id` (after PUSH_REPLY, or a renegotiation)
    closed,         // the session is over (`reason`); drop it
  };
  Kind kind;
  uint8_t key_id = 0;
  std::string reason;
  std::optional<DataChannelKeys> keys;
};

struct ClientIdentity {
  std::string common_name;
  std::string group;  // the certificate's OU
  std::string tls_version;
  std::map<std::string, std::string> peer_info;
  Cipher cipher = Cipher::aes_gcm_256;
};

class ServerSession {
 public:
  ServerSession(const SessionConfig& cfg, uint32_t peer_id, SessionId local_sid, uint64_t now_ns);
  ~ServerSession();

  // A control packet from this client's address. Malformed protocol use closes the session.
  void on_packet(const ControlPacket& p, uint64_t now_ns);
  // The endpoint's decision after `authenticated`: push options it owns (ifconfig, routes,
  // route-gateway, topology, ping...), comma-separated without "PUSH_REPLY,".
  void accept(std::string push_options);
  void reject(std::string reason);
  // Closes with an explicit exit notification to the client ("RESTART" / "HALT" style).
  void disconnect(std::string reason);

  void on_timer(uint64_t now_ns);
  std::vector<std::vector<uint8_t>> take_datagrams(uint64_t now_ns);
  std::vector<SessionEvent> take_events() { return std::exchange(events_, {}); }
  uint64_t next_deadline() const;

  SessionId remote_sid() const { return remote_sid_; }
  SessionId local_sid() const { return local_sid_; }
  uint32_t peer_id() const { return peer_id_; }
  const ClientIdentity& identity() const { return identity_; }
  bool closed() const { return closed_; }
  uint32_t retransmissions() const;

 private:
  struct KeyState;
  KeyState& key_state(uint8_t key_id, uint64_t now_ns);
  void handle_payload(KeyState& ks, const ReliableMessage& m);
  void handle_plaintext(KeyState& ks);
  void handle_control_message(const std::string& msg);
  void send_push_reply(KeyState& ks);
  void finish_keys(KeyState& ks);
  void send_tls_output(KeyState& ks);
  void close(std::string reason);
  std::optional<Cipher> negotiate_cipher(const ClientKeyMessage& m) const;

  const SessionConfig& cfg_;
  uint32_t peer_id_;
  SessionId local_sid_;
  SessionId remote_sid_ = 0;
  bool have_remote_sid_ = false;
  std::map<uint8_t, std::unique_ptr<KeyState>> keys_;
  std::vector<SessionEvent> events_;
  ClientIdentity identity_;
  std::optional<std::string> push_options_;  // set by accept()
  bool push_requested_ = false;
  bool pushed_ = false;
  bool ekm_ = false;  // keys come from the TLS exporter (pushed to the client)
  bool closed_ = false;
};

}  // namespace vpngw::ovpn
