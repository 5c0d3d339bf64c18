// Forwarding table: longest-prefix match from an inner destination to a tunnel. Built once by the
// control plane and never modified: a new route set means a new Fib, published as a snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/ip_prefix.hpp"

namespace vpngw {

using TunnelId = uint32_t;

struct FibRoute {
  IpPrefix prefix;
  TunnelId tunnel;
  // Equal-cost multipath: with two or more tunnels here, flows spread over them by a hash of
  // their addresses, protocol and ports (`tunnel` is then ignored).
  std::vector<TunnelId> multipath = {};
};

class Fib {
 public:
  Fib() = default;
  // Later duplicates of the same prefix replace earlier ones.
  explicit Fib(const std::vector<FibRoute>& routes);

  // Destination addresses in host byte order. The result may name a multipath group: resolve()
  // turns it into a tunnel for one flow (a no-op for plain routes, so callers always call it).
  std::optional<TunnelId> lookup_v4(uint32_t dst) const { return lookup(v4_, dst); }
  std::optional<TunnelId> lookup_v6(unsigned __int128 dst) const { return lookup(v6_, dst); }
  std::optional<TunnelId> lookup(const IpAddress& dst) const;
  static bool is_group(TunnelId t) { return t & kGroupBit; }
  TunnelId resolve(TunnelId t, uint32_t flow_hash) const {
    if (!is_group(t)) return t;
    const auto& g = groups_[t & ~kGroupBit];
    return g[flow_hash % g.size()];
  }
  size_t size() const { return size_; }

 private:
  // One sorted array per populated prefix length, longest first: a lookup is at most one binary
  // search per length in use (a handful in practice), with no allocation and no pointer chasing.
  template <typename Key>
  struct Level {
    uint8_t length;
    Key mask;
    std::vector<std::pair<Key, TunnelId>> entries;  // sorted by masked prefix
  };
  template <typename Key>
  static std::optional<TunnelId> lookup(const std::vector<Level<Key>>& levels, Key dst);
  template <typename Key>
  static void insert(std::vector<Level<Key>>& levels, uint8_t length, Key mask, Key key, TunnelId tunnel);

  static constexpr TunnelId kGroupBit = 0x80000000u;
  std::vector<std::vector<TunnelId>> groups_;
  std::vector<Level<uint32_t>> v4_;
  std::vector<Level<unsigned __int128>> v6_;
  size_t size_ = 0;
};

}  // namespace vpngw
