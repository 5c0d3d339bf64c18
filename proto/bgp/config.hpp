// A BGP speaker's configuration: the `[bgp]` table of a gateway or router file, with its one set of
// defaults (the values below) and its one set of checks (parse_bgp_config). Products embed it;
// nothing else writes a BGP default.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/config/config_schema.hpp"
#include "proto/bfd/session.hpp"
#include "proto/bgp/session.hpp"

namespace vpngw {

class TableReader;

struct BgpNeighborConfig {
  std::string name;  // defaults to the address
  IpAddress address;
  uint32_t remote_asn = bgp::SessionConfig{}.remote_as;
  // The gateway [[tunnel]] routes learned from this neighbour leave through; empty: the neighbour
  // is on a plain interface and its routes go into the kernel via their BGP next hop.
  std::string tunnel;
  std::optional<IpAddress> local_address;  // bind before connecting (the tunnel inside address)
  bool passive = false;  // only accept, never connect
  std::string md5_password;  // TCP MD5 signature (RFC 2385); empty: off
  uint32_t max_prefixes = 100;  // AWS's limit from a customer gateway; 0: no limit
  std::optional<uint16_t> hold_time;  // default: the [bgp] value
  std::optional<uint16_t> keepalive;
  uint32_t local_pref = 100;
  std::optional<uint32_t> med;  // MED on the routes we announce to this neighbour
  uint8_t as_path_prepend = 0;  // our ASN this many extra times on what we announce (active/passive)
  bool bfd = false;  // a BFD session (RFC 5880/5881) with this neighbour; Down ends the BGP session
  std::vector<uint32_t> communities;  // RFC 1997, asn << 16 | value, on the routes we announce to it
  std::optional<uint8_t> ttl;  // IP TTL of the session's packets (1: directly connected only, as AWS DX)
};

// The session's and BFD's own defaults are the ones a file falls back to (written once, in
// bgp::SessionConfig and bfd::SessionConfig).
struct BgpConfig {
  uint32_t asn = bgp::SessionConfig{}.local_as;  // Amazon-side default
  std::optional<IpAddress> router_id;  // default: the product's own (a gateway's TUN address)
  uint16_t hold_time = bgp::SessionConfig{}.hold_time;
  uint16_t keepalive = bgp::SessionConfig{}.keepalive;
  uint16_t connect_retry = 5;  // seconds between connection attempts
  uint16_t listen_port = 179;
  bool kernel_routes = true;  // install learned routes into the kernel
  std::vector<IpPrefix> export_prefixes;  // announced to every neighbour with our ASN (the VPC CIDR)
  bool multipath = false;  // equal-cost paths share the traffic (a customer gateway's active/active)
  uint32_t bfd_interval_ms = bfd::SessionConfig{}.desired_min_tx_us / 1000;  // desired TX / required RX
  uint8_t bfd_multiplier = bfd::SessionConfig{}.detect_mult;
  bool bfd_passive = bfd::SessionConfig{}.passive;  // BFD waits for each neighbour to start it
  std::vector<BgpNeighborConfig> neighbors;
};

// Reads the `[bgp]` table `r` is on, unknown keys refused. A neighbour's `tunnel` must name one
// of `tunnel_names`, and may be left out (a neighbour on a plain interface); with no tunnels at all
// (a plain router's file) it is an unknown key.
BgpConfig parse_bgp_config(TableReader& r, const std::set<std::string>& tunnel_names);

// An AS number: 1-4294967294, not AS_TRANS (RFC 6793) nor 4294967295 (RFC 7300).
uint32_t parse_asn(TableReader& r, const std::string& key);

// The documented keys of `[bgp]` and `[[bgp.neighbor]]` (under_table() moves them elsewhere).
// `with_tunnels` adds the neighbour's `tunnel` key (a gateway's files have it, a router's do not).
std::vector<ConfigKey> bgp_schema_keys(bool with_tunnels);

}  // namespace vpngw
