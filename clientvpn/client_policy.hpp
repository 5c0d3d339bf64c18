// What one connected client gets from the endpoint's model, I/O-free: its tunnel address (from the
// client CIDR), the options pushed to it (split tunnel: the route table; else everything through
// the tunnel) and the compiled access policy the data plane enforces per packet.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "clientvpn/endpoint_config.hpp"
#include "dataplane/client_table.hpp"

namespace vpngw {

// Authorization: a destination needs a route in the endpoint's route table and an authorization
// rule for all users or for the client's group; of the rules that match, only the longest
// prefixes count (AWS's longest-prefix evaluation).
AccessPolicy compile_access(const ClientVpnConfig& cfg, const std::string& group);

// The part of PUSH_REPLY the endpoint owns (the session adds peer-id, cipher, key derivation).
std::string push_options(const ClientVpnConfig& cfg, const IpAddress& client_address);

// Tunnel addresses from the client CIDR: the first host is the endpoint's, the rest are handed out
// lowest first and returned on disconnect.
class AddressPool {
 public:
  explicit AddressPool(const IpPrefix& cidr, uint32_t limit = 0);
  std::optional<IpAddress> allocate();
  void release(const IpAddress& a);
  size_t in_use() const { return used_.size(); }
  size_t capacity() const { return size_t(last_ - first_ + 1); }

 private:
  uint32_t first_, last_;  // host order, inclusive
  std::set<uint32_t> used_;
};

}  // namespace vpngw
