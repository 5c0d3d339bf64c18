// A minimal OpenVPN 2.6 client for tests and benchmarks: the protocol only (hard reset, TLS with a
// client certificate through OpenSSL memory BIOs, our reliability layer, key method 2 with peer
// info, PUSH_REQUEST), no data channel. I/O-free: datagrams(now) out, receive(bytes) in. The unit
// tests run it against ServerSession in memory; bench/ovpn_handshake drives it over UDP against
// vpngw and OpenVPN's own server.
#pragma once

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <array>
#include <string>
#include <vector>

#include "proto/openvpn/data_keys.hpp"
#include "proto/openvpn/key_method.hpp"
#include "proto/openvpn/reliable.hpp"
#include "dataplane/openvpn_wire.hpp"

namespace vpngw::ovpn {

// What an OpenVPN 2.6 client does, reduced to the protocol: one key state, no data channel.
class OvpnTestClient {
 public:
  OvpnTestClient(const std::string& ca, const std::string& cert, const std::string& key) {
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
  ~OvpnTestClient() {
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
    if (!p) return;  // not ours to judge here: the server under test sent something unparsable
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
      KeySource src;
      RAND_bytes(src.pre_master.data(), int(src.pre_master.size()));
      RAND_bytes(src.random1.data(), int(src.random1.size()));
      RAND_bytes(src.random2.data(), int(src.random2.size()));
      const auto m = serialize_client_key_message(src, "V4,dev-type tun,tls-client",
                                                  "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=" + std::to_string(iv_proto) +
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

  bool pushed() const { return plaintext.find("PUSH_REPLY") != std::string::npos; }

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
  SSL_CTX* ctx_;
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
  SessionId sid_ = 0, server_sid_ = 0;
  ReliableChannel rel_;
  bool sent_key_method_ = false;
};


}  // namespace vpngw::ovpn
