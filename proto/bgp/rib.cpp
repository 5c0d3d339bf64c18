#include "proto/bgp/rib.hpp"

#include <algorithm>

namespace vpngw::bgp {
namespace {

uint64_t v4_key(const IpPrefix& p) { return uint64_t(p.address.v4_host_order()) << 8 | p.length; }
IpPrefix v4_prefix(uint64_t key) {
  return IpPrefix{IpAddress::v4_from_host_order(uint32_t(key >> 8)), uint8_t(key & 0xff)};
}
IpPrefix v6_prefix(unsigned __int128 addr, uint8_t len) {
  IpPrefix p;
  p.address.v6 = true;
  for (int i = 0; i < 16; ++i) p.address.bytes[i] = uint8_t(addr >> (8 * (15 - i)));
  p.length = len;
  return p;
}

}  // namespace

PeerIndex Rib::add_peer(RibPeer peer) {
  peers_.push_back(PeerState{std::move(peer), 0});
  return PeerIndex(peers_.size() - 1);
}

// LOCAL_PREF as the decision uses it: the neighbour's configured value for eBGP paths.
uint32_t Rib::local_pref(const Path& p) const {
  const RibPeer& peer = peers_[p.peer].info;
  return peer.ebgp ? peer.local_pref : p.attrs->attrs.local_pref.value_or(peer.local_pref);
}

// RFC 4271 9.1.2.2, in order; the AWS rules (DX over VPN, communities) arrive as LOCAL_PREF.
bool Rib::better(const Path& a, const Path& b) const {
  const RibPeer& pa = peers_[a.peer].info;
  const RibPeer& pb = peers_[b.peer].info;
  const PathAttributes& x = a.attrs->attrs;
  const PathAttributes& y = b.attrs->attrs;
  const uint32_t lpa = local_pref(a), lpb = local_pref(b);
  if (lpa != lpb) return lpa > lpb;
  const size_t la = x.as_path.length(), lb = y.as_path.length();
  if (la != lb) return la < lb;
  if (x.origin != y.origin) return x.origin < y.origin;
  // MED compares only between routes from the same neighbouring AS; a missing MED is 0.
  if (x.as_path.first_asn() == y.as_path.first_asn() && x.med.value_or(0) != y.med.value_or(0))
    return x.med.value_or(0) < y.med.value_or(0);
  if (pa.ebgp != pb.ebgp) return pa.ebgp;
  if (pa.router_id != pb.router_id) return pa.router_id < pb.router_id;
  return std::lexicographical_compare(pa.address.bytes.begin(), pa.address.bytes.end(), pb.address.bytes.begin(),
                                      pb.address.bytes.end());
}

bool Rib::equal_cost(const Path& a, const Path& b) const {
  const PathAttributes& x = a.attrs->attrs;
  const PathAttributes& y = b.attrs->attrs;
  return local_pref(a) == local_pref(b) && x.as_path.length() == y.as_path.length() && x.origin == y.origin &&
         x.as_path.first_asn() == y.as_path.first_asn() && x.med.value_or(0) == y.med.value_or(0) &&
         peers_[a.peer].info.ebgp == peers_[b.peer].info.ebgp;
}

void Rib::for_each_multipath(const std::function<void(const IpPrefix&, const std::vector<const Path*>&)>& f) const {
  std::vector<const Path*> set;
  auto visit = [&](const IpPrefix& p, const Entry& e) {
    set.assign(1, &e.best);
    if (e.others)
      for (const auto& o : *e.others)
        if (equal_cost(o, e.best)) set.push_back(&o);
    f(p, set);
  };
  for (const auto& [k, e] : v4_) visit(v4_prefix(k), e);
  for (const auto& [k, e] : v6_) visit(v6_prefix(k.addr, k.len), e);
}

bool Rib::upsert(Entry& e, bool fresh, Path path) {
  if (fresh) {
    e.best = std::move(path);
    return true;
  }
  // Replace this peer's path if it has one, then put the best in front.
  const PeerIndex peer = path.peer;
  if (e.best.peer == peer) {
    e.best = std::move(path);
  } else {
    bool replaced = false;
    if (e.others) {
      for (auto& o : *e.others)
        if (o.peer == peer) { o = std::move(path); replaced = true; break; }
    }
    if (!replaced) {
      if (!e.others) e.others = std::make_unique<std::vector<Path>>();
      e.others->push_back(std::move(path));
    }
  }
  const Path old_best = e.best;
  if (e.others) {
    for (auto& o : *e.others)
      if (better(o, e.best)) std::swap(o, e.best);
  }
  // The best changed if the peer differs or its attributes were replaced (the same peer re-announced).
  return old_best.peer != e.best.peer || old_best.attrs != e.best.attrs || e.best.peer == peer;
}

bool Rib::remove(Entry& e, PeerIndex peer, bool& now_empty) {
  now_empty = false;
  if (e.best.peer == peer) {
    if (!e.others || e.others->empty()) {
      now_empty = true;
      return true;
    }
    auto it = std::min_element(e.others->begin(), e.others->end(),
                               [&](const Path& a, const Path& b) { return better(a, b); });
    e.best = std::move(*it);
    e.others->erase(it);
    if (e.others->empty()) e.others.reset();
    return true;
  }
  if (e.others) {
    auto it = std::find_if(e.others->begin(), e.others->end(), [&](const Path& o) { return o.peer == peer; });
    if (it != e.others->end()) {
      e.others->erase(it);
      if (e.others->empty()) e.others.reset();
    }
  }
  return false;
}

template <typename F>
void Rib::with_entry(const IpPrefix& p, bool create, F&& f) {
  auto run = [&](auto& map, const auto& key) {
    auto it = map.find(key);
    bool fresh = false;
    if (it == map.end()) {
      if (!create) return;
      it = map.try_emplace(key).first;
      fresh = true;
    }
    if (f(it->second, fresh)) map.erase(it);
  };
  if (p.address.v6) run(v6_, V6Key{p.address.v6_host_order(), p.length});
  else run(v4_, v4_key(p));
}

void Rib::announce(PeerIndex peer, const IpPrefix& p, const AttrRef& attrs, ApplyStats& stats,
                   const std::function<void(const BestChange&)>& changed) {
  with_entry(p, true, [&](Entry& e, bool fresh) {
    const bool had_path = !fresh && (e.best.peer == peer || (e.others && std::any_of(e.others->begin(), e.others->end(),
                                                                                      [&](const Path& o) { return o.peer == peer; })));
    if (!had_path) ++peers_[peer].prefixes;
    if (upsert(e, fresh, Path{attrs, peer}) || report_all_) changed(BestChange{p, &e.best, !fresh});
    ++stats.announced;
    return false;
  });
}

void Rib::withdraw(PeerIndex peer, const IpPrefix& p, ApplyStats& stats,
                   const std::function<void(const BestChange&)>& changed) {
  with_entry(p, false, [&](Entry& e, bool) {
    const size_t before = e.others ? e.others->size() : 0;
    const bool was_best = e.best.peer == peer;
    bool empty = false;
    const bool best_changed = remove(e, peer, empty);
    const bool removed = was_best || (e.others ? e.others->size() : 0) < before;
    if (!removed) return false;
    --peers_[peer].prefixes;
    ++stats.withdrawn;
    if (best_changed || report_all_) changed(BestChange{p, empty ? nullptr : &e.best, true});
    return empty;
  });
}

ApplyStats Rib::apply(PeerIndex peer, const Update& u, const std::function<void(const BestChange&)>& changed) {
  ApplyStats stats;
  for (const auto& p : u.withdrawn) withdraw(peer, p, stats, changed);
  if (u.mp_unreach)
    for (const auto& p : u.mp_unreach->withdrawn) withdraw(peer, p, stats, changed);

  const bool loops = u.attrs.as_path.contains(local_as_);
  if (u.treat_as_withdraw || loops) {
    // RFC 7606 treat-as-withdraw, and RFC 4271 9.1.2 loop prevention: the peer's earlier path for
    // these prefixes is no longer usable either.
    for (const auto& p : u.nlri) withdraw(peer, p, stats, changed);
    if (u.mp_reach)
      for (const auto& p : u.mp_reach->nlri) withdraw(peer, p, stats, changed);
    if (loops) stats.looped += u.nlri.size() + (u.mp_reach ? u.mp_reach->nlri.size() : 0);
    return stats;
  }
  if (u.nlri.empty() && (!u.mp_reach || u.mp_reach->nlri.empty())) return stats;

  auto shared = boost::intrusive_ptr<SharedAttributes>(new SharedAttributes(u.attrs));
  if (u.mp_reach) shared->attrs.next_hop = u.mp_reach->next_hop;
  AttrRef v6_attrs = shared;
  if (u.mp_reach && !u.nlri.empty()) {
    // IPv4 NLRI keep NEXT_HOP; the MP_REACH prefixes get theirs.
    auto v4 = boost::intrusive_ptr<SharedAttributes>(new SharedAttributes(u.attrs));
    for (const auto& p : u.nlri) announce(peer, p, v4, stats, changed);
  } else {
    for (const auto& p : u.nlri) announce(peer, p, shared, stats, changed);
  }
  if (u.mp_reach)
    for (const auto& p : u.mp_reach->nlri) announce(peer, p, v6_attrs, stats, changed);
  return stats;
}

void Rib::drop_peer(PeerIndex peer, const std::function<void(const BestChange&)>& changed) {
  auto sweep = [&](auto& map, auto to_prefix) {
    for (auto it = map.begin(); it != map.end();) {
      Entry& e = it->second;
      bool empty = false;
      const size_t others_before = e.others ? e.others->size() : 0;
      const bool best_changed = remove(e, peer, empty);
      const bool other_removed = !empty && (e.others ? e.others->size() : 0) < others_before;
      if (best_changed || (report_all_ && other_removed))
        changed(BestChange{to_prefix(it->first), empty ? nullptr : &e.best, true});
      if (empty) it = map.erase(it);
      else ++it;
    }
  };
  sweep(v4_, v4_prefix);
  sweep(v6_, [](const V6Key& k) { return v6_prefix(k.addr, k.len); });
  peers_[peer].prefixes = 0;
}

void Rib::for_each_best(const std::function<void(const IpPrefix&, const Path&)>& f) const {
  for (const auto& [k, e] : v4_) f(v4_prefix(k), e.best);
  for (const auto& [k, e] : v6_) f(v6_prefix(k.addr, k.len), e.best);
}

std::vector<Path> Rib::paths(const IpPrefix& p) const {
  std::vector<Path> out;
  auto collect = [&](const auto& map, const auto& key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    out.push_back(it->second.best);
    if (it->second.others) out.insert(out.end(), it->second.others->begin(), it->second.others->end());
  };
  if (p.address.v6) collect(v6_, V6Key{p.address.v6_host_order(), p.length});
  else collect(v4_, v4_key(p));
  return out;
}

}  // namespace vpngw::bgp
