#include "proto/openvpn/server_session.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace vpngw::ovpn {
namespace {

// Our TLS records are cut into control packets this big, well under the 1250 bytes OpenVPN's
// --tls-mtu allows by default, so nothing fragments on a 1500-byte path.
constexpr size_t kMaxControlPayload = 1100;
// Plaintext we buffer before giving up on a client that never completes a message.
constexpr size_t kMaxPlaintextBuffer = 16384;

KeySource random_server_source() {
  KeySource s;
  RAND_bytes(s.random1.data(), int(s.random1.size()));
  RAND_bytes(s.random2.data(), int(s.random2.size()));
  return s;
}

}  // namespace

struct ServerSession::KeyState {
  uint8_t key_id = 0;
  uint64_t started_ns = 0;
  ReliableChannel rel;
  std::unique_ptr<TlsConnection> tls;
  bool reset_answered = false;
  bool key_method_done = false;
  bool keys_done = false;
  bool failed = false;  // a renegotiation whose TLS failed: removed after the packet is handled
  ClientKeyMessage client;
  KeySource server = random_server_source();
  std::vector<uint8_t> plaintext;
};

ServerSession::ServerSession(const SessionConfig& cfg, uint32_t peer_id, SessionId local_sid, uint64_t now_ns)
    : cfg_(cfg), peer_id_(peer_id), local_sid_(local_sid) {
  key_state(0, now_ns);
}

ServerSession::~ServerSession() = default;

ServerSession::KeyState& ServerSession::key_state(uint8_t key_id, uint64_t now_ns) {
  auto& slot = keys_[key_id];
  if (!slot) {
    slot = std::make_unique<KeyState>();
    slot->key_id = key_id;
    slot->started_ns = now_ns;
    slot->tls = std::make_unique<TlsConnection>(*cfg_.tls);
  }
  return *slot;
}

uint32_t ServerSession::retransmissions() const {
  uint32_t n = 0;
  for (const auto& [id, ks] : keys_) n += ks->rel.retransmissions();
  return n;
}

void ServerSession::close(std::string reason) {
  if (closed_) return;
  closed_ = true;
  events_.push_back({SessionEvent::Kind::closed, 0, std::move(reason), std::nullopt});
}

void ServerSession::on_packet(const ControlPacket& p, uint64_t now_ns) {
  if (closed_) return;
  if (!have_remote_sid_) {
    if (p.opcode != Opcode::control_hard_reset_client_v2 || p.key_id != 0) return;
    remote_sid_ = p.session_id;
    have_remote_sid_ = true;
  }
  if (p.session_id != remote_sid_) return;                                // another session's packet
  if (!p.acks.empty() && p.remote_session_id != local_sid_) return;       // acks meant for someone else
  KeyState* ks = nullptr;
  if (auto it = keys_.find(p.key_id); it != keys_.end()) {
    ks = it->second.get();
  } else if (p.opcode == Opcode::control_soft_reset_v1 && p.key_id != 0 && pushed_) {
    ks = &key_state(p.key_id, now_ns);  // the client renegotiates (only once it has its first keys)
  } else {
    return;  // a key state we do not have (long retired): nothing to do
  }
  ks->rel.on_acks(p.acks);
  if (!p.packet_id) return;
  ks->rel.receive(p.opcode, *p.packet_id, p.payload);
  while (auto m = ks->rel.pop_in_order()) {
    handle_payload(*ks, *m);
    if (closed_) return;
    if (ks->failed) {
      keys_.erase(ks->key_id);
      return;
    }
  }
}

void ServerSession::handle_payload(KeyState& ks, const ReliableMessage& m) {
  switch (m.opcode) {
    case Opcode::control_hard_reset_client_v2:
      if (ks.key_id == 0 && !ks.reset_answered) {
        ks.rel.queue(Opcode::control_hard_reset_server_v2, {});
        ks.reset_answered = true;
      }
      return;
    case Opcode::control_soft_reset_v1:
      if (!ks.reset_answered) {
        ks.rel.queue(Opcode::control_soft_reset_v1, {});
        ks.reset_answered = true;
      }
      return;
    case Opcode::control_v1:
      ks.tls->feed(m.payload);
      ks.tls->advance();
      handle_plaintext(ks);
      send_tls_output(ks);
      if (ks.tls->state() == TlsConnection::State::failed && !closed_) {
        if (ks.key_id == 0 || ks.key_method_done) {
          close(ks.tls->failure());
        } else {
          ks.failed = true;  // a failed renegotiation leaves the old key working
        }
      }
      return;
    default:
      return;  // V1 hard resets and tls-crypt-v2 opcodes: not for this profile
  }
}

std::optional<Cipher> ServerSession::negotiate_cipher(const ClientKeyMessage& m) const {
  const std::vector<std::string> offered = iv_ciphers(m);
  for (Cipher ours : cfg_.data_ciphers) {
    if (offered.empty()) return ours == Cipher::aes_gcm_256 ? std::optional(ours) : std::nullopt;
    for (const auto& name : offered) {
      if (data_cipher_from_name(name) == ours) return ours;
    }
  }
  return std::nullopt;
}

void ServerSession::handle_plaintext(KeyState& ks) {
  if (ks.tls->state() != TlsConnection::State::established) return;
  std::vector<uint8_t> in = ks.tls->take_plaintext();
  ks.plaintext.insert(ks.plaintext.end(), in.begin(), in.end());
  if (ks.plaintext.size() > kMaxPlaintextBuffer) return close("control channel message too long");
  if (!ks.key_method_done) {
    if (ks.plaintext.empty()) return;
    size_t used = 0;
    auto msg = parse_client_key_message(ks.plaintext, &used);
    if (!msg) {
      if (msg.error() == KeyMethodError::truncated) return;  // the rest is still on its way
      return close(std::string("key method 2: ") + std::string(key_method_error_name(msg.error())));
    }
    ks.client = std::move(msg.value());
    ks.plaintext.erase(ks.plaintext.begin(), ks.plaintext.begin() + long(used));
    ks.key_method_done = true;
    const auto reply = serialize_server_key_message(ks.server, cfg_.options_string);
    ks.tls->write(reply);
    if (ks.key_id == 0) {
      auto cipher = negotiate_cipher(ks.client);
      if (!cipher) return close("no data cipher in common with the client's IV_CIPHERS");
      identity_.common_name = ks.tls->peer_common_name();
      identity_.group = ks.tls->peer_organizational_unit();
      identity_.tls_version = ks.tls->protocol_version();
      identity_.peer_info = ks.client.peer_info;
      identity_.cipher = *cipher;
      events_.push_back({SessionEvent::Kind::authenticated, 0, {}, std::nullopt});
    } else {
      finish_keys(ks);  // renegotiation: same cipher, no push
    }
  }
  // After key method 2: NUL-terminated control messages.
  for (;;) {
    auto nul = std::find(ks.plaintext.begin(), ks.plaintext.end(), uint8_t(0));
    if (nul == ks.plaintext.end()) break;
    const std::string msg(ks.plaintext.begin(), nul);
    ks.plaintext.erase(ks.plaintext.begin(), nul + 1);
    handle_control_message(msg);
    if (closed_) return;
  }
}

void ServerSession::handle_control_message(const std::string& msg) {
  if (msg == "PUSH_REQUEST") {
    push_requested_ = true;
    if (push_options_ && !pushed_) send_push_reply(*keys_[0]);
  } else if (msg == "EXIT") {
    close("the client sent an exit notification");
  }
  // Other messages (INFO, ACC, AUTH_...) carry nothing this server acts on.
}

void ServerSession::accept(std::string push_options) {
  if (closed_) return;
  push_options_ = std::move(push_options);
  KeyState& ks = *keys_[0];
  if (push_requested_ || (iv_proto(ks.client) & kIvProtoRequestPush)) send_push_reply(ks);
}

void ServerSession::reject(std::string reason) {
  if (closed_) return;
  KeyState& ks = *keys_[0];
  const std::string msg = "AUTH_FAILED," + reason;
  ks.tls->write({reinterpret_cast<const uint8_t*>(msg.c_str()), msg.size() + 1});
  send_tls_output(ks);
  close("refused: " + reason);
}

void ServerSession::disconnect(std::string reason) {
  if (closed_) return;
  auto newest = std::max_element(keys_.begin(), keys_.end(), [](const auto& a, const auto& b) {
    return a.second->started_ns < b.second->started_ns;
  });
  KeyState& ks = *newest->second;
  static constexpr char kRestart[] = "RESTART";
  ks.tls->write({reinterpret_cast<const uint8_t*>(kRestart), sizeof kRestart});
  send_tls_output(ks);
  close(std::move(reason));
}

void ServerSession::send_push_reply(KeyState& ks) {
  const uint32_t proto = iv_proto(ks.client);
  const bool ekm = cfg_.allow_tls_ekm && (proto & kIvProtoTlsKeyExport);
  std::string reply = "PUSH_REPLY," + *push_options_ + ",peer-id " + std::to_string(peer_id_) + ",cipher " +
                      std::string(data_cipher_name(identity_.cipher));
  if (proto & kIvProtoCcExitNotify) {
    reply += ekm ? ",protocol-flags cc-exit tls-ekm" : ",protocol-flags cc-exit";
  } else if (ekm) {
    reply += ",key-derivation tls-ekm";
  }
  ks.tls->write({reinterpret_cast<const uint8_t*>(reply.c_str()), reply.size() + 1});
  send_tls_output(ks);
  pushed_ = true;
  ekm_ = ekm;
  finish_keys(ks);
}

void ServerSession::finish_keys(KeyState& ks) {
  std::optional<std::array<uint8_t, kKey2Len>> key2;
  if (ekm_) {
    std::array<uint8_t, kKey2Len> k{};
    if (ks.tls->export_keying_material(kEkmLabel, k)) key2 = k;
  } else {
    key2 = derive_key2_prf(ks.client.source, ks.server, remote_sid_, local_sid_);
  }
  if (!key2) return close("data channel key derivation failed");
  ks.keys_done = true;
  events_.push_back({SessionEvent::Kind::keys_ready, ks.key_id, {}, server_keys(*key2, identity_.cipher)});
  // Two key states at most: the new one and the one it replaces (still decrypting late packets).
  for (auto it = keys_.begin(); it != keys_.end();) {
    const bool older_than_previous =
        it->second.get() != &ks && std::any_of(keys_.begin(), keys_.end(), [&](const auto& o) {
          return o.second.get() != &ks && o.second.get() != it->second.get() &&
                 o.second->started_ns > it->second->started_ns;
        });
    it = older_than_previous ? keys_.erase(it) : std::next(it);
  }
}

void ServerSession::send_tls_output(KeyState& ks) {
  const std::vector<uint8_t> out = ks.tls->take_output();
  for (size_t at = 0; at < out.size(); at += kMaxControlPayload) {
    const size_t n = std::min(kMaxControlPayload, out.size() - at);
    ks.rel.queue(Opcode::control_v1, {out.begin() + long(at), out.begin() + long(at + n)});
  }
}

void ServerSession::on_timer(uint64_t now_ns) {
  if (closed_) return;
  for (auto it = keys_.begin(); it != keys_.end();) {
    KeyState& ks = *it->second;
    if (!ks.keys_done && now_ns - ks.started_ns > cfg_.hand_window_ns) {
      if (ks.key_id == 0 && !pushed_) return close("TLS handshake not finished within the hand window");
      it = keys_.erase(it);  // a renegotiation that never finished; the old key keeps working
      continue;
    }
    ++it;
  }
}

uint64_t ServerSession::next_deadline() const {
  uint64_t d = UINT64_MAX;
  for (const auto& [id, ks] : keys_) {
    d = std::min(d, ks->rel.next_deadline());
    if (ks->rel.acks_pending()) d = 0;
    if (!ks->keys_done) d = std::min(d, ks->started_ns + cfg_.hand_window_ns);
  }
  return d;
}

std::vector<std::vector<uint8_t>> ServerSession::take_datagrams(uint64_t now_ns) {
  std::vector<std::vector<uint8_t>> out;
  for (auto& [id, ks] : keys_) {
    for (const ReliableMessage* m : ks->rel.due(now_ns)) {
      ControlPacket p;
      p.opcode = m->opcode;
      p.key_id = id;
      p.session_id = local_sid_;
      p.acks = ks->rel.take_acks(kMaxAcksInControl);
      p.remote_session_id = remote_sid_;
      p.packet_id = m->packet_id;
      p.payload = m->payload;
      out.emplace_back();
      serialize_control(p, out.back());
    }
    while (ks->rel.acks_pending()) {
      ControlPacket p;
      p.opcode = Opcode::ack_v1;
      p.key_id = id;
      p.session_id = local_sid_;
      p.acks = ks->rel.take_acks(kMaxAcks);
      p.remote_session_id = remote_sid_;
      out.emplace_back();
      serialize_control(p, out.back());
    }
  }
  return out;
}

}  // namespace vpngw::ovpn
