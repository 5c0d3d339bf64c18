// The OpenVPN server session driven in memory by a minimal client built from OpenSSL and our own
// reliability layer: hard reset, TLS with mutual certificates, key method 2, PUSH_REQUEST, keys.
// Lost datagrams exercise retransmission. (Interop with the real openvpn client is
// tests/integration/clientvpn_openvpn.sh.)
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "control/clientvpn/pki.hpp"
#include "control/openvpn/server_session.hpp"

namespace vpngw::ovpn {
namespace {

class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/vpngw-ovpn-test.XXXXXX";
    dir = mkdtemp(tmpl);
    pki::init(dir, "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com");
    pki::issue_client(dir, "alice", "engineering");
    pki::init(dir + "/other", "other");
    pki::issue_client(dir + "/other", "eve", "");
  }
  ~Pki() { std::filesystem::remove_all(dir); }
  std::string dir;
};

const Pki& test_pki() {
  static Pki p;
  return p;
}

// What an OpenVPN 2.6 client does, reduced to the protocol: one key state, no data channel.
class MiniClient {
 public:
  MiniClient(const std::string& ca, const std::string& cert, const std::string& key) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
    RAND_bytes(reinterpret_cast<uint8_t*>(&sid_), sizeof sid_);
    rel_.queue(Opcode::control_hard_reset_client_v2, {});
  }
  ~MiniClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }

  std::vector<std::vector<uint8_t>> datagrams(uint64_t now) {
    std::vector<std::vector<uint8_t>> out;
    for (const ReliableMessage* m : rel_.due(now)) {
      ControlPacket p;
      p.opcode = m->opcode;
      p.session_id = sid_;
      p.acks = rel_.take_acks(kMaxAcksInControl);
      p.remote_session_id = server_sid_;
      p.packet_id = m->packet_id;
      p.payload = m->payload;
      out.emplace_back();
      serialize_control(p, out.back());
    }
    while (rel_.acks_pending()) {
      ControlPacket p;
      p.opcode = Opcode::ack_v1;
      p.session_id = sid_;
      p.acks = rel_.take_acks(kMaxAcks);
      p.remote_session_id = server_sid_;
      out.emplace_back();
      serialize_control(p, out.back());
    }
    return out;
  }

  void receive(std::span<const uint8_t> d) {
    auto p = parse_control(d);
    ASSERT_TRUE(p);
    server_sid_ = p->session_id;
    rel_.on_acks(p->acks);
    if (p->packet_id) rel_.receive(p->opcode, *p->packet_id, p->payload);
    while (auto m = rel_.pop_in_order()) {
      if (m->opcode == Opcode::control_v1) BIO_write(in_, m->payload.data(), int(m->payload.size()));
      if (m->opcode == Opcode::control_hard_reset_server_v2) drive();  // ClientHello goes out now
    }
    drive();
  }

  // The client's key method 2 message and PUSH_REQUEST, once TLS is up.
  void drive() {
    if (!SSL_is_init_finished(ssl_)) {
      SSL_do_handshake(ssl_);
    }
    if (SSL_is_init_finished(ssl_) && !sent_key_method_) {
      std::vector<uint8_t> m{0, 0, 0, 0, 2};
      for (int i = 0; i < 112; ++i) m.push_back(uint8_t(i));
      put(m, "V4,dev-type tun,tls-client");
      put(m, "");
      put(m, "");
      put(m, "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=" + std::to_string(iv_proto) +
                 "\nIV_CIPHERS=CHACHA20-POLY1305:AES-256-GCM\n");
      SSL_write(ssl_, m.data(), int(m.size()));
      SSL_write(ssl_, "PUSH_REQUEST", 13);
      sent_key_method_ = true;
    }
    uint8_t buf[4096];
    int n;
    while ((n = SSL_read(ssl_, buf, sizeof buf)) > 0) plaintext.insert(plaintext.end(), buf, buf + n);
    std::vector<uint8_t> out(size_t(BIO_ctrl_pending(out_)));
    if (!out.empty()) {
      BIO_read(out_, out.data(), int(out.size()));
      for (size_t at = 0; at < out.size(); at += 1000) {
        rel_.queue(Opcode::control_v1, {out.begin() + long(at), out.begin() + long(std::min(out.size(), at + 1000))});
      }
    }
  }

  void send_control_message(const std::string& msg) {
    SSL_write(ssl_, msg.c_str(), int(msg.size() + 1));
    drive();
  }

  std::array<uint8_t, kKey2Len> ekm() const {
    std::array<uint8_t, kKey2Len> k{};
    SSL_export_keying_material(ssl_, k.data(), k.size(), kEkmLabel.data(), kEkmLabel.size(), nullptr, 0, 0);
    return k;
  }

  SessionId sid() const { return sid_; }
  std::string plaintext;
  uint32_t iv_proto = kIvProtoDataV2 | kIvProtoRequestPush | kIvProtoTlsKeyExport | kIvProtoCcExitNotify;

 private:
  static void put(std::vector<uint8_t>& m, const std::string& s) {
    if (s.empty()) {
      m.push_back(0);
      m.push_back(0);
      return;
    }
    const size_t n = s.size() + 1;
    m.push_back(uint8_t(n >> 8));
    m.push_back(uint8_t(n));
    m.insert(m.end(), s.begin(), s.end());
    m.push_back(0);
  }
  SSL_CTX* ctx_;
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
  SessionId sid_ = 0, server_sid_ = 0;
  ReliableChannel rel_;
  bool sent_key_method_ = false;
};

struct Harness {
  explicit Harness(const std::string& cert_dir, const std::string& name)
      : tls({test_pki().dir + "/ca.crt", test_pki().dir + "/server.crt", test_pki().dir + "/server.key",
             test_pki().dir + "/crl.pem"}),
        client(test_pki().dir + "/ca.crt", cert_dir + "/" + name + ".crt", cert_dir + "/" + name + ".key") {
    cfg.tls = &tls;
  }
  // Runs rounds of one second each; every `drop_every`-th datagram in either direction is lost.
  void run(int rounds, int drop_every = 0) {
    if (!server) server = std::make_unique<ServerSession>(cfg, 7, 0x5e5e5e5e5e5e5e5eull, now);
    for (int r = 0; r < rounds; ++r, now += 1'000'000'000) {
      for (int inner = 0; inner < 20; ++inner) {
        bool moved = false;
        for (auto& d : client.datagrams(now)) {
          moved = true;
          if (drop_every && ++count % drop_every == 0) continue;
          auto p = parse_control(d);
          ASSERT_TRUE(p);
          server->on_packet(p.value(), now);
        }
        for (auto& ev : server->take_events()) {
          if (ev.kind == SessionEvent::Kind::authenticated) server->accept("ifconfig 172.16.0.2 255.255.252.0");
          events.push_back(std::move(ev));
        }
        for (auto& ev : server->take_events()) events.push_back(std::move(ev));
        for (auto& d : server->take_datagrams(now)) {
          moved = true;
          if (drop_every && ++count % drop_every == 0) continue;
          client.receive(d);
        }
        if (!moved) break;
      }
      server->on_timer(now);
    }
  }
  const SessionEvent* find(SessionEvent::Kind k) const {
    for (const auto& e : events) {
      if (e.kind == k) return &e;
    }
    return nullptr;
  }

  TlsServerContext tls;
  SessionConfig cfg;
  MiniClient client;
  std::unique_ptr<ServerSession> server;
  std::vector<SessionEvent> events;
  uint64_t now = 1'000'000'000;
  int count = 0;
};

TEST(OpenVpnServerSession, HandshakePushAndTlsEkmKeys) {
  Harness h(test_pki().dir, "alice");
  h.run(3);
  ASSERT_TRUE(h.find(SessionEvent::Kind::authenticated));
  EXPECT_EQ(h.server->identity().common_name, "alice");
  EXPECT_EQ(h.server->identity().group, "engineering");
  EXPECT_EQ(h.server->identity().cipher, Cipher::aes_gcm_256);  // our preference among the client's
  const SessionEvent* keys = h.find(SessionEvent::Kind::keys_ready);
  ASSERT_TRUE(keys);
  EXPECT_NE(h.client.plaintext.find("PUSH_REPLY,ifconfig 172.16.0.2 255.255.252.0,peer-id 7,cipher AES-256-GCM,"
                                    "protocol-flags cc-exit tls-ekm"),
            std::string::npos)
      << h.client.plaintext;
  // The client derives the same 256 bytes: key 0 is client -> server, key 1 server -> client.
  const auto k = h.client.ekm();
  EXPECT_EQ(keys->keys->decrypt.key, std::vector<uint8_t>(k.begin(), k.begin() + 32));
  EXPECT_EQ(keys->keys->encrypt.key, std::vector<uint8_t>(k.begin() + 128, k.begin() + 160));
  EXPECT_TRUE(std::equal(keys->keys->decrypt.implicit_iv.begin(), keys->keys->decrypt.implicit_iv.end(), k.begin() + 64));
  EXPECT_TRUE(std::equal(keys->keys->encrypt.implicit_iv.begin(), keys->keys->encrypt.implicit_iv.end(), k.begin() + 192));
  EXPECT_EQ(h.server->remote_sid(), h.client.sid());
}

TEST(OpenVpnServerSession, SurvivesLossThroughRetransmission) {
  Harness h(test_pki().dir, "alice");
  h.run(30, 3);  // a third of all datagrams lost
  ASSERT_TRUE(h.find(SessionEvent::Kind::keys_ready));
  EXPECT_GT(h.server->retransmissions(), 0u);
}

TEST(OpenVpnServerSession, OlderClientsGetKeyDerivationOrThePrf) {
  Harness h(test_pki().dir, "alice");
  h.client.iv_proto = kIvProtoDataV2 | kIvProtoTlsKeyExport;  // a 2.5 client: no cc-exit, no push request
  h.run(3);
  EXPECT_NE(h.client.plaintext.find(",key-derivation tls-ekm"), std::string::npos) << h.client.plaintext;
  Harness prf(test_pki().dir, "alice");
  prf.cfg.allow_tls_ekm = false;
  prf.run(3);
  ASSERT_TRUE(prf.find(SessionEvent::Kind::keys_ready));
  EXPECT_EQ(prf.client.plaintext.find("tls-ekm"), std::string::npos);
  const auto k = prf.client.ekm();
  EXPECT_NE(prf.find(SessionEvent::Kind::keys_ready)->keys->decrypt.key, std::vector<uint8_t>(k.begin(), k.begin() + 32));
}

TEST(OpenVpnServerSession, ForeignCertificateIsRefusedWithTheReason) {
  Harness h(test_pki().dir + "/other", "eve");
  h.run(3);
  EXPECT_FALSE(h.find(SessionEvent::Kind::authenticated));
  const SessionEvent* closed = h.find(SessionEvent::Kind::closed);
  ASSERT_TRUE(closed);
  EXPECT_NE(closed->reason.find("client certificate refused: unable to get local issuer certificate"),
            std::string::npos)
      << closed->reason;
}

TEST(OpenVpnServerSession, ExitMessageClosesAndSilentClientsHitTheHandWindow) {
  Harness h(test_pki().dir, "alice");
  h.run(3);
  h.client.send_control_message("EXIT");
  h.run(1);
  const SessionEvent* closed = h.find(SessionEvent::Kind::closed);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->reason, "the client sent an exit notification");

  TlsServerContext tls({test_pki().dir + "/ca.crt", test_pki().dir + "/server.crt", test_pki().dir + "/server.key", ""});
  SessionConfig cfg;
  cfg.tls = &tls;
  ServerSession s(cfg, 1, 1, 0);
  ControlPacket reset;
  reset.opcode = Opcode::control_hard_reset_client_v2;
  reset.session_id = 42;
  reset.packet_id = 0;
  s.on_packet(reset, 0);
  EXPECT_EQ(s.take_datagrams(0).size(), 1u);  // the server's reset, carrying the ack
  s.on_timer(cfg.hand_window_ns + 1);
  auto events = s.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SessionEvent::Kind::closed);
  EXPECT_TRUE(s.closed());
}

}  // namespace
}  // namespace vpngw::ovpn
