// The data paths `vpngw bench` compares, each set up in a lab of its own (PathLab) so that the
// client node reaches the server node through it (routes included). Each is what a user would run,
// configured for speed the way its own documentation says, with AES-256-GCM where the peer offers
// it. Tunnels, between gl and gr of lab/topologies/bare/two-gateways.toml (hl -> hr 10.2.0.2):
//   veth          plain routing, no tunnel: the ceiling
//   vpngw         two vpngw gateways, ESP in UDP 4500, AES-256-GCM, manual SAs
//   wireguard-go  Debian's wireguard-go (ChaCha20-Poly1305; WireGuard has no other cipher)
//   openvpn       Debian's OpenVPN 2.6, p2p TLS, AES-256-GCM, user space (no DCO on this kernel)
//   strongswan    Debian's charon with kernel-libipsec (ESP in user space over its TUN, always in
//                 UDP 4500: this kernel has no ESP), IKEv2 PSK, AES-256-GCM
//   fastd         Debian's fastd 22, tun mode, aes128-gcm (its fastest AEAD)
//   nebula        Debian's Nebula 1.6, certificates from a lab CA, AES-256-GCM
// Client VPN egress NAT, in rt of lab/topologies/bare/client-vpc.toml (cl 172.16.0.10 -> vpc 10.0.1.20):
//   nat-vpngw     `vpngw nat`: source NAT to the ENI-like TAP eni0 (10.0.1.10) in the VPC bridge
//   nat-nftables  Linux nftables masquerade out of a veth (10.0.1.11) in the same bridge
// Client VPN, the built-in lab/topologies/clientvpn.toml (stock openvpn client alice -> vpc 10.0.1.20):
//   clientvpn-vpngw    `vpngw clientvpn serve` with its ENIs, as the lab builds it
//   clientvpn-openvpn  OpenVPN 2.6's own server in the endpoint's place (same address, port, PKI,
//                      client range, pushed route), nftables masquerade standing in for the ENI;
//                      alice reconnects to it with the same exported .ovpn
#pragma once

#include <string>
#include <vector>

#include "bench/compare/path_lab.hpp"

namespace vpngw::bench {

struct DataPath {
  std::string name;
  std::string topology;  // data file, e.g. "lab/topologies/bare/two-gateways.toml"
  std::string client, server, server_address;
  std::string client_address;  // iperf3 binds to it; empty: the address the VPN gave the client
  bool nat = false;      // a NAT path: the flow tests (nat_flows.hpp) run on it too
};

const std::vector<DataPath>& data_paths();           // in the order the table shows them
std::vector<std::string> data_path_names();
const DataPath& data_path(const std::string& name);  // throws std::invalid_argument naming the choices

// Throws std::runtime_error naming the step (and the daemon's log) when the path does not come up.
void set_up_path(const DataPath& path, PathLab& lab);

}  // namespace vpngw::bench
