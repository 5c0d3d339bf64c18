#include "clientvpn/pki.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace vpngw::pki {
namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Fn(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Crl = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = "";
  if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
  throw std::runtime_error("pki: " + what + (buf[0] ? std::string(": ") + buf : ""));
}

Key new_key() {
  Key k(EVP_EC_gen("P-256"));
  if (!k) fail("generating a P-256 key");
  return k;
}

void write_pem(const std::string& path, const std::function<int(BIO*)>& write, bool secret) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (!bio) fail("cannot write " + path);
  const int ok = write(bio);
  BIO_free(bio);
  if (ok != 1) fail("writing " + path);
  if (secret) ::chmod(path.c_str(), 0600);
}

Key read_key(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (!bio) fail("cannot read " + path);
  Key k(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!k) fail("no private key in " + path);
  return k;
}

Cert read_cert(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (!bio) fail("cannot read " + path);
  Cert c(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!c) fail("no certificate in " + path);
  return c;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) fail("extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Cert make_cert(EVP_PKEY* key, const std::string& cn, const std::string& ou, X509* issuer, EVP_PKEY* issuer_key,
               int days) {
  Cert c(X509_new());
  X509_set_version(c.get(), 2);
  uint8_t serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), long(days) * 86400);
  X509_set_pubkey(c.get(), key);
  X509_NAME* name = X509_get_subject_name(c.get());
  if (!ou.empty()) {
    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(ou.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : c.get();
  add_ext(c.get(), iss, NID_subject_key_identifier, "hash");
  // The authority key id needs the issuer's subject key id: for a self-signed CA that is the
  // extension just added. Callers add their usages and sign.
  add_ext(c.get(), iss, NID_authority_key_identifier, "keyid:always");
  (void)issuer_key;
  return c;
}

Crl build_crl(X509* ca, EVP_PKEY* ca_key, const std::vector<ASN1_INTEGER*>& serials) {
  Crl crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca));
  ASN1_TIME* now = X509_gmtime_adj(nullptr, -60);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 825L * 86400);
  X509_CRL_set1_lastUpdate(crl.get(), now);
  X509_CRL_set1_nextUpdate(crl.get(), next);
  for (ASN1_INTEGER* s : serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, s);
    X509_REVOKED_set_revocationDate(r, now);
    X509_CRL_add0_revoked(crl.get(), r);
  }
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  X509_CRL_sort(crl.get());
  if (!X509_CRL_sign(crl.get(), ca_key, EVP_sha256())) fail("signing the CRL");
  return crl;
}

void write_key(const std::string& path, EVP_PKEY* k) {
  write_pem(path, [k](BIO* b) { return PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr); }, true);
}
void write_cert(const std::string& path, X509* c) {
  write_pem(path, [c](BIO* b) { return PEM_write_bio_X509(b, c); }, false);
}
void write_crl(const std::string& path, X509_CRL* c) {
  write_pem(path, [c](BIO* b) { return PEM_write_bio_X509_CRL(b, c); }, false);
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void init(const std::string& dir, const std::string& server_name, int days) {
  ::mkdir(dir.c_str(), 0700);
  Key ca_key = new_key();
  Cert ca = make_cert(ca_key.get(), "vpngw Client VPN CA", "", nullptr, ca_key.get(), days);
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!X509_sign(ca.get(), ca_key.get(), EVP_sha256())) fail("signing the CA");
  Key server_key = new_key();
  // The DNS name goes into the SANs only: it is longer than the 64 characters X.509 allows a CN.
  Cert server = make_cert(server_key.get(), "server", "", ca.get(), ca_key.get(), days);
  add_ext(server.get(), ca.get(), NID_basic_constraints, "CA:FALSE");
  add_ext(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_ext(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_ext(server.get(), ca.get(), NID_subject_alt_name, "DNS:" + server_name + ",DNS:*." + server_name);
  if (!X509_sign(server.get(), ca_key.get(), EVP_sha256())) fail("signing the server certificate");
  write_key(dir + "/ca.key", ca_key.get());
  write_cert(dir + "/ca.crt", ca.get());
  write_key(dir + "/server.key", server_key.get());
  write_cert(dir + "/server.crt", server.get());
  write_crl(dir + "/crl.pem", build_crl(ca.get(), ca_key.get(), {}).get());
}

void issue_client(const std::string& dir, const std::string& name, const std::string& group, int days) {
  if (name.empty() || name.find('/') != std::string::npos) throw std::runtime_error("pki: bad client name '" + name + "'");
  Key ca_key = read_key(dir + "/ca.key");
  Cert ca = read_cert(dir + "/ca.crt");
  Key key = new_key();
  Cert c = make_cert(key.get(), name, group, ca.get(), ca_key.get(), days);
  add_ext(c.get(), ca.get(), NID_basic_constraints, "CA:FALSE");
  add_ext(c.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(c.get(), ca.get(), NID_ext_key_usage, "clientAuth");
  if (!X509_sign(c.get(), ca_key.get(), EVP_sha256())) fail("signing the certificate for " + name);
  write_key(dir + "/" + name + ".key", key.get());
  write_cert(dir + "/" + name + ".crt", c.get());
}

void revoke(const std::string& dir, const std::string& name) {
  Key ca_key = read_key(dir + "/ca.key");
  Cert ca = read_cert(dir + "/ca.crt");
  Cert victim = read_cert(dir + "/" + name + ".crt");
  std::vector<ASN1_INTEGER*> serials;
  if (BIO* bio = BIO_new_file((dir + "/crl.pem").c_str(), "r")) {
    Crl old(PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    if (old) {
      STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(old.get());
      for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
        serials.push_back(ASN1_INTEGER_dup(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
      }
    }
  }
  ERR_clear_error();
  serials.push_back(ASN1_INTEGER_dup(X509_get0_serialNumber(victim.get())));
  Crl crl = build_crl(ca.get(), ca_key.get(), serials);
  for (ASN1_INTEGER* s : serials) ASN1_INTEGER_free(s);
  write_crl(dir + "/crl.pem", crl.get());
}

std::string client_config(const ClientVpnConfig& cfg, const std::string& ca_pem, const std::string& cert_pem,
                          const std::string& key_pem) {
  std::ostringstream o;
  o << "client\n"
    << "dev tun\n"
    << "proto " << cfg.transport << "\n"
    << "remote " << cfg.dns_name() << " " << cfg.port << "\n"
    << "remote-random-hostname\n"
    << "resolv-retry infinite\n"
    << "nobind\n"
    << "remote-cert-tls server\n"
    << "cipher AES-256-GCM\n"
    << "verb 3\n"
    << "<ca>\n" << ca_pem << (ca_pem.ends_with("\n") ? "" : "\n") << "</ca>\n"
    << "<cert>\n" << cert_pem << (cert_pem.ends_with("\n") ? "" : "\n") << "</cert>\n"
    << "<key>\n" << key_pem << (key_pem.ends_with("\n") ? "" : "\n") << "</key>\n"
    << "\n"
    << "reneg-sec 0\n";
  return o.str();
}

}  // namespace vpngw::pki
