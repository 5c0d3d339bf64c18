// The data paths `vpngw bench` compares, each set up between gl and gr of a PathLab so that hl
// reaches hr through it (routes included). Each is what a user would run, configured for speed the
// way its own documentation says, with AES-256-GCM where the peer offers it:
//   veth          plain routing, no tunnel: the ceiling
//   vpngw         two vpngw gateways, ESP in UDP 4500, AES-256-GCM, manual SAs
//   wireguard-go  Debian's wireguard-go (ChaCha20-Poly1305; WireGuard has no other cipher)
//   openvpn       Debian's OpenVPN 2.6, p2p TLS, AES-256-GCM, user space (no DCO on this kernel)
//   strongswan    Debian's charon with kernel-libipsec (ESP in user space over its TUN, always in
//                 UDP 4500: this kernel has no ESP), IKEv2 PSK, AES-256-GCM
#pragma once

#include <string>
#include <vector>

#include "bench/compare/path_lab.hpp"

namespace vpngw::bench {

const std::vector<std::string>& data_path_names();  // in the order the table shows them

// Throws std::invalid_argument for a name not in the list, std::runtime_error naming the step
// (and the daemon's log) when the path does not come up.
void set_up_path(const std::string& name, PathLab& lab);

}  // namespace vpngw::bench
