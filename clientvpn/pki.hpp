// A small PKI for Client VPN labs (AWS's mutual authentication: a CA, a server certificate for the
// endpoint, one certificate per client, and a CRL), made with OpenSSL's API: ECDSA P-256 keys,
// SHA-256 signatures, X.509 v3 with the key usages OpenVPN's `remote-cert-tls` checks.
// Files in DIR: ca.crt ca.key server.crt server.key <client>.crt <client>.key crl.pem.
#pragma once

#include <string>

#include "clientvpn/endpoint_config.hpp"

namespace vpngw::pki {

// CA and server certificate (CN "server", the endpoint's DNS name and "*.<name>" as SANs), plus
// an empty CRL. Throws std::runtime_error naming the file on failure.
void init(const std::string& dir, const std::string& server_name, int days = 825);
// A client certificate signed by the CA; `group` goes into the subject's OU (what authorization
// rules match).
void issue_client(const std::string& dir, const std::string& name, const std::string& group, int days = 825);
// Adds <name>.crt's serial to crl.pem (re-signed by the CA).
void revoke(const std::string& dir, const std::string& name);

std::string read_file(const std::string& path);

// The .ovpn an AWS console download looks like, with the client's certificate and key inlined.
std::string client_config(const ClientVpnConfig& cfg, const std::string& ca_pem, const std::string& cert_pem,
                          const std::string& key_pem);

}  // namespace vpngw::pki
