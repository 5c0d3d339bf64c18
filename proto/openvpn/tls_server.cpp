#include "proto/openvpn/tls_server.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>
#include <utility>

namespace vpngw::ovpn {
namespace {

std::string openssl_error() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

[[noreturn]] void throw_file_error(const std::string& what, const std::string& path) {
  throw std::runtime_error("TLS " + what + " " + path + ": " + openssl_error());
}

void load_crl(SSL_CTX* ctx, const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (!bio) throw_file_error("CRL", path);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++loaded;
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (loaded == 0) throw std::runtime_error("TLS CRL " + path + ": no CRL in the file");
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
}

}  // namespace

TlsServerContext::TlsServerContext(const TlsFiles& files) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (!ctx_) throw std::runtime_error("TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  // OpenVPN renegotiates by starting a new TLS session under a new key id, never inside one.
  SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(ctx_, files.cert.c_str()) != 1) throw_file_error("certificate", files.cert);
  if (SSL_CTX_use_PrivateKey_file(ctx_, files.key.c_str(), SSL_FILETYPE_PEM) != 1) throw_file_error("key", files.key);
  if (SSL_CTX_check_private_key(ctx_) != 1) throw_file_error("key does not match certificate", files.cert);
  if (SSL_CTX_load_verify_locations(ctx_, files.ca.c_str(), nullptr) != 1) throw_file_error("CA", files.ca);
  if (!files.crl.empty()) load_crl(ctx_, files.crl);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(ctx_); }

TlsConnection::TlsConnection(const TlsServerContext& ctx) {
  ssl_ = SSL_new(ctx.get());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!ssl_ || !in_ || !out_) throw std::runtime_error("TLS: " + openssl_error());
  BIO_set_mem_eof_return(in_, -1);  // an empty input BIO means "wait", not EOF
  SSL_set_bio(ssl_, in_, out_);     // the SSL owns both BIOs now
  SSL_set_accept_state(ssl_);
}

TlsConnection::~TlsConnection() { SSL_free(ssl_); }

void TlsConnection::feed(std::span<const uint8_t> records) {
  if (!records.empty()) BIO_write(in_, records.data(), int(records.size()));
}

void TlsConnection::fail(std::string why) {
  state_ = State::failed;
  failure_ = std::move(why);
}

TlsConnection::State TlsConnection::advance() {
  if (state_ == State::failed) return state_;
  if (state_ == State::handshaking) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      state_ = State::established;
    } else {
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return state_;
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        fail(std::string("client certificate refused: ") + X509_verify_cert_error_string(verify));
      } else {
        fail("TLS handshake failed: " + openssl_error());
      }
      return state_;
    }
  }
  uint8_t buf[4096];
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plaintext_.insert(plaintext_.end(), buf, buf + n);
      continue;
    }
    const int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
    if (e == SSL_ERROR_ZERO_RETURN) {
      fail("the client closed TLS");
    } else {
      fail("TLS read failed: " + openssl_error());
    }
    break;
  }
  return state_;
}

std::vector<uint8_t> TlsConnection::take_output() {
  std::vector<uint8_t> out(size_t(BIO_ctrl_pending(out_)));
  if (!out.empty()) out.resize(size_t(std::max(0, BIO_read(out_, out.data(), int(out.size())))));
  return out;
}

void TlsConnection::write(std::span<const uint8_t> plaintext) {
  if (state_ != State::established || plaintext.empty()) return;
  ERR_clear_error();
  if (SSL_write(ssl_, plaintext.data(), int(plaintext.size())) <= 0) fail("TLS write failed: " + openssl_error());
}

std::vector<uint8_t> TlsConnection::take_plaintext() { return std::exchange(plaintext_, {}); }

std::string TlsConnection::peer_subject_field(int nid) const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return {};
  std::string out;
  X509_NAME* name = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i >= 0) {
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n > 0) out.assign(reinterpret_cast<char*>(utf8), size_t(n));
    OPENSSL_free(utf8);
  }
  X509_free(cert);
  return out;
}

std::string TlsConnection::peer_common_name() const { return peer_subject_field(NID_commonName); }
std::string TlsConnection::peer_organizational_unit() const {
  return peer_subject_field(NID_organizationalUnitName);
}
std::string TlsConnection::protocol_version() const { return SSL_get_version(ssl_); }
std::string TlsConnection::cipher_name() const { return SSL_get_cipher_name(ssl_); }

bool TlsConnection::export_keying_material(std::string_view label, std::span<uint8_t> out) const {
  const std::string l(label);
  return SSL_export_keying_material(ssl_, out.data(), out.size(), l.c_str(), l.size(), nullptr, 0, 0) == 1;
}

}  // namespace vpngw::ovpn
