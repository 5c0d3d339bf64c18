// The TLS server under OpenVPN's control channel: OpenSSL with memory BIOs, so the TLS records
// travel inside reliable control packets instead of a socket. Mutual certificate authentication
// (the client must present a certificate signed by the CA; an optional CRL revokes), TLS 1.2 or
// 1.3. I/O-free: feed() records in, take_output() records out.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vpngw::ovpn {

struct TlsFiles {
  std::string ca;    // PEM: the CA that signs client certificates (also sent to clients)
  std::string cert;  // PEM: the server certificate
  std::string key;   // PEM: its private key
  std::string crl;   // PEM, optional: revoked client certificates
};

class TlsServerContext {
 public:
  // Throws std::runtime_error naming the file and OpenSSL's reason.
  explicit TlsServerContext(const TlsFiles& files);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

class TlsConnection {
 public:
  explicit TlsConnection(const TlsServerContext& ctx);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  enum class State : uint8_t { handshaking, established, failed };

  void feed(std::span<const uint8_t> records);
  // Runs the handshake or reads application data; returns the state afterwards.
  State advance();
  State state() const { return state_; }
  // Why the connection failed (verification result or OpenSSL's error), for the log.
  const std::string& failure() const { return failure_; }

  // Records waiting to be sent to the peer.
  std::vector<uint8_t> take_output();
  // Application data (after the handshake).
  void write(std::span<const uint8_t> plaintext);
  std::vector<uint8_t> take_plaintext();

  // The client certificate's subject fields, after the handshake.
  std::string peer_common_name() const;
  std::string peer_organizational_unit() const;  // the group the authorization rules match
  std::string protocol_version() const;          // "TLSv1.3"
  std::string cipher_name() const;

  // RFC 5705 / RFC 8446 7.5 keying material exporter (OpenVPN's tls-ekm).
  bool export_keying_material(std::string_view label, std::span<uint8_t> out) const;

 private:
  std::string peer_subject_field(int nid) const;
  void fail(std::string why);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // records from the peer (SSL reads)
  BIO* out_ = nullptr;  // records to the peer (SSL writes)
  State state_ = State::handshaking;
  std::string failure_;
  std::vector<uint8_t> plaintext_;
};

}  // namespace vpngw::ovpn
