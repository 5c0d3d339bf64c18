// The OpenVPN server session driven in memory by OvpnTestClient (tests/tools: OpenSSL plus our own
// reliability layer): hard reset, TLS with mutual certificates, key method 2, PUSH_REQUEST, keys.
// Lost datagrams exercise retransmission. (Interop with the real openvpn client is
// tests/integration/clientvpn_openvpn.sh.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "clientvpn/pki.hpp"
#include "proto/openvpn/server_session.hpp"
#include "tests/tools/ovpn_test_client.hpp"

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
  OvpnTestClient client;
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
