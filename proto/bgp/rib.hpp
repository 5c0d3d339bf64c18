// Routes learned over BGP: the Adj-RIB-In of every peer and the Loc-RIB chosen from them by the
// RFC 4271 9.1 decision process. I/O-free; the speaker feeds it UPDATEs and reads back what changed.
//
// Memory is the constraint that shapes this (a million prefixes must fit beside BIRD's ~94 MiB): one
// hash entry per prefix holds every peer's path, best first, so the Adj-RIBs-In and the Loc-RIB share
// it; the path attributes of one UPDATE are allocated once and shared by all of its prefixes.
#pragma once

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/bgp/message.hpp"

namespace vpngw::bgp {

using PeerIndex = uint32_t;

struct SharedAttributes : boost::intrusive_ref_counter<SharedAttributes, boost::thread_unsafe_counter> {
  explicit SharedAttributes(PathAttributes a) : attrs(std::move(a)) {}
  PathAttributes attrs;
};
using AttrRef = boost::intrusive_ptr<const SharedAttributes>;

struct RibPeer {
  std::string name;
  IpAddress address;
  uint32_t remote_as = 0;
  uint32_t router_id = 0;
  bool ebgp = true;
  uint32_t local_pref = 100;  // what this peer's routes get (LOCAL_PREF is not taken from eBGP)
};

struct Path {
  AttrRef attrs;
  PeerIndex peer = 0;
};

// A change to the Loc-RIB: the best path of `prefix` is now `best` (nullptr when none is left).
struct BestChange {
  IpPrefix prefix;
  const Path* best;  // valid until the next call that modifies the Rib
  bool existed_before;
};

struct ApplyStats {
  size_t announced = 0;
  size_t withdrawn = 0;
  size_t looped = 0;  // discarded: our ASN in the AS_PATH
};

class Rib {
 public:
  explicit Rib(uint32_t local_as) : local_as_(local_as) {}

  PeerIndex add_peer(RibPeer peer);
  const RibPeer& peer(PeerIndex i) const { return peers_[i].info; }
  void set_peer_router_id(PeerIndex i, uint32_t id) { peers_[i].info.router_id = id; }
  size_t peer_count() const { return peers_.size(); }

  // Applies one UPDATE from `peer` (which must be established). Treat-as-withdraw updates withdraw
  // their NLRI. `changed` hears every prefix whose best path changed.
  ApplyStats apply(PeerIndex peer, const Update& u, const std::function<void(const BestChange&)>& changed);
  // The session went down: every path from the peer leaves.
  void drop_peer(PeerIndex peer, const std::function<void(const BestChange&)>& changed);

  size_t prefixes_from(PeerIndex peer) const { return peers_[peer].prefixes; }
  size_t size() const { return v4_.size() + v6_.size(); }

  // Every prefix with its best path (Loc-RIB order is unspecified).
  void for_each_best(const std::function<void(const IpPrefix&, const Path&)>& f) const;
  // Every path of a prefix, best first; empty when unknown.
  std::vector<Path> paths(const IpPrefix& p) const;

  // BGP multipath: paths as good as the best down to the tie-breakers (same LOCAL_PREF, AS_PATH
  // length, ORIGIN, neighbouring AS and MED, both eBGP or both iBGP) share the traffic.
  bool equal_cost(const Path& a, const Path& b) const;
  // Every prefix with its best path first and the equal-cost others after it.
  void for_each_multipath(const std::function<void(const IpPrefix&, const std::vector<const Path*>&)>& f) const;
  // With multipath the FIB depends on more than the best path: `changed` then also hears
  // prefixes whose other paths changed (BestChange::best is still the best).
  void set_report_every_change(bool on) { report_all_ = on; }

 private:
  // Paths of one prefix, best first. A single path (the common case) needs no extra allocation.
  struct Entry {
    Path best;
    std::unique_ptr<std::vector<Path>> others;
  };
  struct V6Key {
    unsigned __int128 addr;
    uint8_t len;
    bool operator==(const V6Key&) const = default;
  };
  struct V6Hash {
    size_t operator()(const V6Key& k) const {
      return std::hash<uint64_t>()(uint64_t(k.addr) ^ uint64_t(k.addr >> 64) * 0x9e3779b97f4a7c15ull ^ k.len);
    }
  };
  struct PeerState {
    RibPeer info;
    size_t prefixes = 0;
  };

  bool better(const Path& a, const Path& b) const;
  uint32_t local_pref(const Path& p) const;
  // Returns true when the best path changed.
  bool upsert(Entry& e, bool fresh, Path path);
  bool remove(Entry& e, PeerIndex peer, bool& now_empty);
  void announce(PeerIndex peer, const IpPrefix& p, const AttrRef& attrs, ApplyStats& stats,
                const std::function<void(const BestChange&)>& changed);
  void withdraw(PeerIndex peer, const IpPrefix& p, ApplyStats& stats,
                const std::function<void(const BestChange&)>& changed);
  template <typename F>
  void with_entry(const IpPrefix& p, bool create, F&& f);

  uint32_t local_as_;
  bool report_all_ = false;
  std::vector<PeerState> peers_;
  std::unordered_map<uint64_t, Entry> v4_;  // address << 8 | length
  std::unordered_map<V6Key, Entry, V6Hash> v6_;
};

}  // namespace vpngw::bgp
