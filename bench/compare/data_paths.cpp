#include "bench/compare/data_paths.hpp"

#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace vpngw::bench {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kLeftOutside = "198.51.100.1";
constexpr const char* kRightOutside = "198.51.100.2";
constexpr const char* kLeftHosts = "10.1.0.0/24";
constexpr const char* kRightHosts = "10.2.0.0/24";
// Every tunnel gets the MTU WireGuard picks for IPv4 outside 1500, so no path wins by bigger packets.
constexpr const char* kTunnelMtu = "1420";

struct Side {
  std::string node, outside, peer, remote_hosts;
};
const Side kSides[2] = {{"gl", kLeftOutside, kRightOutside, kRightHosts}, {"gr", kRightOutside, kLeftOutside, kLeftHosts}};

std::string hex(const unsigned char* bytes, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

std::string random_hex(size_t n) {
  std::vector<unsigned char> b(n);
  randombytes_buf(b.data(), n);
  return hex(b.data(), n);
}

std::string base64(const unsigned char* bytes, size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

void route_through(PathLab& lab, const std::string& device) {
  for (const auto& s : kSides) lab.run(s.node, {"ip", "route", "add", s.remote_hosts, "dev", device});
}

void set_up_veth(PathLab& lab) {
  for (const auto& s : kSides) lab.run(s.node, {"ip", "route", "add", s.remote_hosts, "via", s.peer});
}

// One manual-key ESP tunnel each way; the keys are AES-256-GCM's 32 bytes plus the 4-byte salt.
void set_up_vpngw(PathLab& lab) {
  const std::string keys[2] = {random_hex(36), random_hex(36)};  // left->right, right->left
  const char* spis[2] = {"0x0000a001", "0x0000b001"};
  const char* tun_addresses[2] = {"169.254.100.1/30", "169.254.100.2/30"};
  for (int i = 0; i < 2; ++i) {
    const auto& s = kSides[i];
    const std::string name = s.node + "-gateway";
    lab.write_file(name + ".toml", "[gateway]\nname = \"" + name + "\"\n[outside]\naddress = \"" + s.outside +
                                       "\"\n[tun]\nname = \"vpngw0\"\nmtu = " + kTunnelMtu + "\naddress = \"" + tun_addresses[i] +
                                       "\"\n[[tunnel]]\nname = \"to-peer\"\npeer = \"" + s.peer +
                                       "\"\n[tunnel.outbound]\nspi = \"" + spis[i] + "\"\ncipher = \"aes256gcm16\"\nkey = \"0x" +
                                       keys[i] + "\"\n[tunnel.inbound]\nspi = \"" + spis[1 - i] +
                                       "\"\ncipher = \"aes256gcm16\"\nkey = \"0x" + keys[1 - i] + "\"\n[[route]]\nprefix = \"" +
                                       s.remote_hosts + "\"\ntunnel = \"to-peer\"\n[management]\nsocket = \"" +
                                       (lab.work() / (name + ".sock")).string() + "\"\n");
    lab.start(s.node, name, {lab.vpngw().string(), "gateway", "--config", (lab.work() / (name + ".toml")).string()}, true);
  }
  for (const auto& s : kSides)
    lab.wait_for(10s, "the vpngw gateway in " + s.node, [&] { return fs::exists(lab.work() / (s.node + "-gateway.sock")); });
}

// Keys made here (X25519 from libsodium, base64 as `wg genkey` prints them); wireguard-go in the
// foreground so that its PID is the one the lab records.
void set_up_wireguard(PathLab& lab) {
  unsigned char pub[2][crypto_box_PUBLICKEYBYTES], priv[2][crypto_box_SECRETKEYBYTES];
  for (int i = 0; i < 2; ++i) crypto_box_keypair(pub[i], priv[i]);
  for (int i = 0; i < 2; ++i) {
    const auto& s = kSides[i];
    // (its UAPI socket /var/run/wireguard/DEVICE.sock is one file for all namespaces)
    lab.start(s.node, "wireguard-go-" + s.node, {"wireguard-go", "-f", "wg-" + s.node}, true);
  }
  for (const auto& s : kSides)
    lab.wait_for(5s, "wireguard-go's wg-" + s.node, [&] { return (lab.run(s.node, {"ip", "link", "show", "wg-" + s.node}), true); });
  for (int i = 0; i < 2; ++i) {
    const auto& s = kSides[i];
    const std::string key_file = s.node + "-wg.key";
    lab.write_file(key_file, base64(priv[i], sizeof priv[i]) + "\n");
    lab.run(s.node, {"wg", "set", "wg-" + s.node, "private-key", (lab.work() / key_file).string(), "listen-port", "51820", "peer",
                     base64(pub[1 - i], sizeof pub[1 - i]), "endpoint", s.peer + ":51820", "allowed-ips", s.remote_hosts});
    lab.run(s.node, {"ip", "link", "set", "wg-" + s.node, "mtu", kTunnelMtu, "up"});
    lab.run(s.node, {"ip", "route", "add", s.remote_hosts, "dev", "wg-" + s.node});
  }
}

// Two self-signed certificates pinned by fingerprint (no CA): OpenVPN 2.6's peer-fingerprint mode.
void set_up_openvpn(PathLab& lab) {
  std::string fingerprint[2];
  for (int i = 0; i < 2; ++i) {
    const std::string base = (lab.work() / ("ovpn-" + kSides[i].node)).string();
    lab.run("", {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                 "-subj", "/CN=ovpn-" + kSides[i].node, "-keyout", base + ".key", "-out", base + ".crt"});
    const std::string out = lab.run("", {"openssl", "x509", "-in", base + ".crt", "-noout", "-fingerprint", "-sha256"});
    fingerprint[i] = out.substr(out.find('=') + 1, 95);  // 32 bytes as AA:BB:...
  }
  const std::vector<std::string> common = {"--dev-type", "tun", "--dev", "ovpn0", "--proto", "udp", "--data-ciphers", "AES-256-GCM",
                                           "--cipher", "AES-256-GCM", "--dh", "none", "--verb", "1", "--tun-mtu", kTunnelMtu,
                                           "--sndbuf", "4194304", "--rcvbuf", "4194304", "--ping", "10"};
  const char* addresses[2][2] = {{"10.99.0.2", "10.99.0.1"}, {"10.99.0.1", "10.99.0.2"}};
  const char* routes[2] = {"10.2.0.0", "10.1.0.0"};
  for (int i : {1, 0}) {  // the server (gr) first
    const auto& s = kSides[i];
    const std::string base = (lab.work() / ("ovpn-" + s.node)).string();
    auto argv = std::vector<std::string>{"openvpn"};
    argv.insert(argv.end(), common.begin(), common.end());
    if (i == 1)
      argv.insert(argv.end(), {"--local", s.outside, "--lport", "1194", "--tls-server"});
    else
      argv.insert(argv.end(), {"--remote", s.peer, "1194", "--nobind", "--tls-client"});
    argv.insert(argv.end(), {"--cert", base + ".crt", "--key", base + ".key", "--peer-fingerprint", fingerprint[1 - i], "--ifconfig",
                             addresses[i][0], addresses[i][1], "--route", routes[i], "255.255.255.0"});
    lab.start(s.node, "openvpn-" + s.node, argv, true);
  }
  lab.wait_for(20s, "OpenVPN's tunnel", [&] { return (lab.run("hl", {"ping", "-c", "1", "-W", "1", "10.2.0.2"}), true); });
}

// charon the way ../shared/reference/toolchain.md says it runs here: its own strongswan.conf and
// vici socket, a private /run (its pid file path is compiled in) and a copy of the binary (a host
// AppArmor profile for /usr/lib/ipsec/charon may deny it files in the lab folder).
void set_up_strongswan(PathLab& lab) {
  const std::string psk = random_hex(16);
  for (const auto& s : kSides) {
    const fs::path dir = lab.work() / ("swan-" + s.node);
    fs::create_directories(dir / "run");
    lab.write_file("swan-" + s.node + "/strongswan.conf",
                   "charon {\n  load = random nonce openssl kdf pem pkcs1 x509 pubkey curve25519 kernel-libipsec kernel-netlink "
                   "socket-default vici\n  install_virtual_ip = no\n  install_routes = no\n"
                   // its 0.0.0.0/0 route into ipsec0 in table 220 would catch its own ESP: that
                   // table's rule goes after the main table's
                   "  routing_table_prio = 40000\n  filelog { stderr { default = 1 } }\n"
                   "  plugins { vici { socket = unix://" + (dir / "charon.vici").string() + " } }\n}\n");
    lab.write_file("swan-" + s.node + "/swanctl.conf",
                   "connections {\n  bench {\n    version = 2\n    local_addrs = " + s.outside + "\n    remote_addrs = " + s.peer +
                       "\n    proposals = aes256gcm16-prfsha256-ecp256\n    encap = yes\n    local { auth = psk\n id = " + s.outside +
                       " }\n    remote { auth = psk\n id = " + s.peer + " }\n    children {\n      tunnel1 {\n        local_ts = "
                       "0.0.0.0/0\n        remote_ts = 0.0.0.0/0\n        esp_proposals = aes256gcm16\n        start_action = none\n"
                       "      }\n    }\n  }\n}\nsecrets {\n  ike-bench { id-1 = " + s.peer + "\n secret = \"" + psk + "\" }\n}\n");
    fs::copy_file("/usr/lib/ipsec/charon", dir / "charon", fs::copy_options::overwrite_existing);
    lab.start(s.node, "charon-" + s.node,
              {"env", "STRONGSWAN_CONF=" + (dir / "strongswan.conf").string(), "unshare", "-m", "--propagation", "private", "sh", "-c",
               "mount --bind '" + (dir / "run").string() + "' /run && exec '" + (dir / "charon").string() + "'"},
              true);
  }
  auto swanctl = [&](const Side& s, std::vector<std::string> args) {
    const fs::path dir = lab.work() / ("swan-" + s.node);
    args.insert(args.begin(), "swanctl");
    args.insert(args.end(), {"--uri", "unix://" + (dir / "charon.vici").string()});
    return lab.run(s.node, args);
  };
  for (const auto& s : kSides) {
    const fs::path dir = lab.work() / ("swan-" + s.node);
    lab.wait_for(5s, "charon's vici socket in " + s.node, [&] { return fs::exists(dir / "charon.vici"); });
    swanctl(s, {"--load-all", "--file", (dir / "swanctl.conf").string()});
  }
  swanctl(kSides[0], {"--initiate", "--child", "tunnel1"});
  route_through(lab, "ipsec0");
}

// fastd, the fastest user-space VPN in Debian here: tun mode, one peer each way, AES-128-GCM (its
// fastest AEAD method), keys from `fastd --generate-key`.
void set_up_fastd(PathLab& lab) {
  std::string secret[2], key[2];
  for (int i = 0; i < 2; ++i) {
    std::istringstream out(lab.run("", {"fastd", "--generate-key"}));
    for (std::string label, value; out >> label >> value;) (label == "Secret:" ? secret[i] : key[i]) = value;
    if (secret[i].empty() || key[i].empty()) throw std::runtime_error("fastd --generate-key printed no key pair");
  }
  // gr first, and gl only once gr's device is there: a handshake that meets no listener is only
  // tried again after several seconds (a first ping timed out now and then).
  for (int i : {1, 0}) {
    const auto& s = kSides[i];
    const std::string file = "fastd-" + s.node + ".conf";
    lab.write_file(file, "log level info;\nmode tun;\ninterface \"fastd0\";\nmethod \"aes128-gcm\";\nbind " + s.outside +
                             ":10000;\nsecret \"" + secret[i] + "\";\nmtu " + kTunnelMtu + ";\npeer \"" + kSides[1 - i].node +
                             "\" {\n  key \"" + key[1 - i] + "\";\n  remote " + s.peer + ":10000;\n}\n");
    lab.start(s.node, "fastd-" + s.node, {"fastd", "--config", (lab.work() / file).string()}, true);
    lab.wait_for(5s, "fastd's fastd0 in " + s.node, [&] { return (lab.run(s.node, {"ip", "link", "show", "fastd0"}), true); });
    lab.run(s.node, {"ip", "link", "set", "fastd0", "up"});
  }
  route_through(lab, "fastd0");
}

// Nebula: a lab CA signs one certificate per side, each carrying its side's hosts as a subnet
// (what Nebula's unsafe_routes need), no lighthouse (the peers are in each other's static host
// map), AES-256-GCM, a firewall that lets everything through.
void set_up_nebula(PathLab& lab) {
  const std::string dir = lab.work().string();
  lab.run("", {"nebula-cert", "ca", "-name", "vpngw-bench", "-out-crt", dir + "/nebula-ca.crt", "-out-key", dir + "/nebula-ca.key"});
  const char* overlay[2] = {"10.98.0.1", "10.98.0.2"};
  for (int i = 0; i < 2; ++i) {
    const auto& s = kSides[i];
    const std::string base = dir + "/nebula-" + s.node;
    lab.run("", {"nebula-cert", "sign", "-ca-crt", dir + "/nebula-ca.crt", "-ca-key", dir + "/nebula-ca.key", "-name", s.node, "-ip",
                 std::string(overlay[i]) + "/24", "-subnets", i == 0 ? kLeftHosts : kRightHosts, "-out-crt", base + ".crt",
                 "-out-key", base + ".key"});
    lab.write_file("nebula-" + s.node + ".yml",
                   "pki:\n  ca: " + dir + "/nebula-ca.crt\n  cert: " + base + ".crt\n  key: " + base + ".key\n" +
                       "static_host_map:\n  \"" + overlay[1 - i] + "\": [\"" + s.peer + ":4242\"]\n" +
                       "lighthouse:\n  am_lighthouse: false\n  hosts: []\nlisten:\n  host: " + s.outside + "\n  port: 4242\n" +
                       "punchy:\n  punch: false\ncipher: aes\n" + "tun:\n  dev: nebula0\n  mtu: " + kTunnelMtu +
                       "\n  unsafe_routes:\n    - route: " + s.remote_hosts + "\n      via: " + overlay[1 - i] + "\n" +
                       "firewall:\n  outbound:\n    - port: any\n      proto: any\n      host: any\n" +
                       "  inbound:\n    - port: any\n      proto: any\n      host: any\nlogging:\n  level: warning\n");
    lab.start(s.node, "nebula-" + s.node, {"nebula", "-config", base + ".yml"}, true);
  }
  for (const auto& s : kSides)
    lab.wait_for(5s, "nebula's nebula0 in " + s.node, [&] { return (lab.run(s.node, {"ip", "link", "show", "nebula0"}), true); });
}

// `vpngw nat` in rt with one ENI, its TAP put into the VPC subnet's bridge.
void set_up_nat_vpngw(PathLab& lab) {
  lab.write_file("nat.toml", "[nat]\nname = \"bench\"\ntun = \"cvpn0\"\nclient_cidr = \"172.16.0.0/22\"\n"
                             "inside_address = \"172.16.0.1\"\nmax_flows = 4194304\n[[eni]]\ndevice = \"eni0\"\n"
                             "address = \"10.0.1.10/24\"\ngateway = \"10.0.1.1\"\n");
  const fs::path stats = lab.work() / "nat.json";
  lab.start("rt", "nat",
            {lab.vpngw().string(), "nat", "--config", (lab.work() / "nat.toml").string(), "--stats", stats.string(), "--socket",
             (lab.work() / "nat.sock").string()},
            true);
  lab.wait_for(10s, "vpngw nat", [&] { return fs::exists(stats) && fs::file_size(stats) > 0; });
  lab.run("rt", {"ip", "link", "set", "eni0", "master", "br0"});
}

// The kernel routes and masquerades out of kn0 (10.0.1.11), whose peer is in the VPC bridge.
void set_up_nat_nftables(PathLab& lab) {
  lab.run("rt", {"ip", "link", "add", "kn0", "type", "veth", "peer", "name", "kn1"});
  lab.run("rt", {"ip", "link", "set", "kn1", "master", "br0", "up"});
  lab.run("rt", {"ip", "addr", "add", "10.0.1.11/24", "dev", "kn0"});
  lab.run("rt", {"ip", "link", "set", "kn0", "up"});
  lab.write_file("masquerade.nft",
                 "table ip nat {\n  chain postrouting { type nat hook postrouting priority srcnat; oifname \"kn0\" masquerade; }\n}\n");
  lab.run("rt", {"nft", "-f", (lab.work() / "masquerade.nft").string()});
}

void set_up_clientvpn_vpngw(PathLab& lab) { lab.count_as_daemon("endpoint"); }

// OpenVPN's server in place of the endpoint the lab started, with what the endpoint had: its
// address and port, PKI, client range, the VPC route pushed. --duplicate-cn and no connect-freq
// limit, as a benchmark of many clients needs (2.6 allows 100 initial replies per 10 s).
void set_up_clientvpn_openvpn(PathLab& lab) {
  const std::string eni = lab.run("cvpn", {"ip", "-o", "link", "show", "eni0"});
  const size_t at = eni.find(" master ");
  if (at == std::string::npos) throw std::runtime_error("the endpoint's eni0 is in no bridge: " + eni);
  const std::string bridge = eni.substr(at + 8, eni.find(' ', at + 8) - at - 8);
  lab.stop("alice");
  lab.stop("endpoint");
  lab.run("cvpn", {"ip", "link", "add", "kn0", "type", "veth", "peer", "name", "kn1"});
  lab.run("cvpn", {"ip", "link", "set", "kn1", "master", bridge, "up"});
  lab.run("cvpn", {"ip", "addr", "add", "10.0.1.11/24", "dev", "kn0"});
  lab.run("cvpn", {"ip", "link", "set", "kn0", "up"});
  lab.write_file("masquerade.nft",
                 "table ip nat {\n  chain postrouting { type nat hook postrouting priority srcnat; oifname \"kn0\" masquerade; }\n}\n");
  lab.run("cvpn", {"nft", "-f", (lab.work() / "masquerade.nft").string()});
  const std::string pki = (lab.work() / "pki").string();
  lab.start("cvpn", "openvpn-server",
            {"openvpn", "--mode", "server", "--tls-server", "--dev", "ovpns0", "--dev-type", "tun", "--proto", "udp", "--local",
             "198.51.100.1", "--port", "443", "--topology", "subnet", "--ifconfig", "172.16.0.1", "255.255.252.0", "--ifconfig-pool",
             "172.16.0.2", "172.16.3.254", "--push", "topology subnet", "--push", "route-gateway 172.16.0.1", "--push",
             "route 10.0.0.0 255.255.0.0", "--ca", pki + "/ca.crt", "--cert", pki + "/server.crt", "--key", pki + "/server.key",
             "--crl-verify", pki + "/crl.pem", "--dh", "none", "--data-ciphers", "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
             "--keepalive", "10", "60", "--max-clients", "1000", "--duplicate-cn", "--connect-freq", "100000", "1",
             "--connect-freq-initial", "100000", "1", "--verb", "3"},
            true);
  auto connected = [&](const std::string& name) {
    return [&lab, name] {
      std::ifstream in(lab.work() / (name + ".log"));
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      return text.find("Initialization Sequence Completed") != std::string::npos;
    };
  };
  lab.wait_for(10s, "OpenVPN's server", connected("openvpn-server"));
  lab.start("alice", "alice-to-openvpn", {"openvpn", "--config", (lab.work() / "alice.ovpn").string()}, false);
  lab.wait_for(30s, "alice to connect to OpenVPN's server", connected("alice-to-openvpn"));
}

}  // namespace

const std::vector<DataPath>& data_paths() {
  static const std::string kTwoGateways = "lab/topologies/bare/two-gateways.toml", kClientVpc = "lab/topologies/bare/client-vpc.toml";
  static const std::vector<DataPath> all = {
      {"veth", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"vpngw", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"wireguard-go", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"openvpn", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"strongswan", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"fastd", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"nebula", kTwoGateways, "hl", "hr", "10.2.0.2", "10.1.0.2"},
      {"nat-vpngw", kClientVpc, "cl", "vpc", "10.0.1.20", "172.16.0.10", true},
      {"nat-nftables", kClientVpc, "cl", "vpc", "10.0.1.20", "172.16.0.10", true},
      {"clientvpn-vpngw", "lab/topologies/clientvpn.toml", "alice", "vpc", "10.0.1.20", ""},
      {"clientvpn-openvpn", "lab/topologies/clientvpn.toml", "alice", "vpc", "10.0.1.20", ""},
  };
  return all;
}

std::vector<std::string> data_path_names() {
  std::vector<std::string> names;
  for (const auto& p : data_paths()) names.push_back(p.name);
  return names;
}

const DataPath& data_path(const std::string& name) {
  for (const auto& p : data_paths())
    if (p.name == name) return p;
  std::string names;
  for (const auto& n : data_path_names()) names += " " + n;
  throw std::invalid_argument("unknown data path '" + name + "'; there are:" + names);
}

void set_up_path(const DataPath& path, PathLab& lab) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium did not initialise");
  const std::string& name = path.name;
  if (name == "veth") return set_up_veth(lab);
  if (name == "vpngw") return set_up_vpngw(lab);
  if (name == "wireguard-go") return set_up_wireguard(lab);
  if (name == "openvpn") return set_up_openvpn(lab);
  if (name == "strongswan") return set_up_strongswan(lab);
  if (name == "fastd") return set_up_fastd(lab);
  if (name == "nebula") return set_up_nebula(lab);
  if (name == "nat-vpngw") return set_up_nat_vpngw(lab);
  if (name == "nat-nftables") return set_up_nat_nftables(lab);
  if (name == "clientvpn-vpngw") return set_up_clientvpn_vpngw(lab);
  if (name == "clientvpn-openvpn") return set_up_clientvpn_openvpn(lab);
  throw std::invalid_argument("no set-up for data path '" + name + "'");
}

}  // namespace vpngw::bench
