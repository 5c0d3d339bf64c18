// The RIB: decision process between peers, withdraw falling back to the next path, loop prevention,
// treat-as-withdraw, and a dropped peer taking its paths with it.
#include <gtest/gtest.h>

#include <map>

#include "proto/bgp/rib.hpp"

namespace vpngw::bgp {
namespace {

IpPrefix pfx(const char* s) { return *IpPrefix::parse(s); }

Update announce(std::initializer_list<uint32_t> path, std::initializer_list<const char*> prefixes,
                std::optional<uint32_t> med = {}) {
  Update u;
  u.has_attrs = true;
  u.attrs.origin = Origin::igp;
  std::vector<uint32_t> asns(path);
  u.attrs.as_path.append_segment(AsPath::sequence, asns);
  u.attrs.next_hop = IpAddress::parse("169.254.10.2");
  u.attrs.med = med;
  for (const char* p : prefixes) u.nlri.push_back(pfx(p));
  return u;
}

struct Fixture {
  Rib rib{64512};
  PeerIndex t1 = rib.add_peer(RibPeer{"tunnel1", *IpAddress::parse("169.254.10.2"), 65000, 0x0a000002});
  PeerIndex t2 = rib.add_peer(RibPeer{"tunnel2", *IpAddress::parse("169.254.11.2"), 65000, 0x0a000001});
  std::map<std::string, std::optional<PeerIndex>> best;  // what the FIB would hold
  std::function<void(const BestChange&)> track = [this](const BestChange& c) {
    best[c.prefix.to_string()] = c.best ? std::optional<PeerIndex>(c.best->peer) : std::nullopt;
  };
};

TEST(BgpRib, ShorterAsPathWinsThenMedThenRouterId) {
  Fixture f;
  f.rib.apply(f.t1, announce({65000, 65010}, {"10.1.0.0/16"}), f.track);
  f.rib.apply(f.t2, announce({65000}, {"10.1.0.0/16"}), f.track);
  EXPECT_EQ(f.best["10.1.0.0/16"], f.t2);

  f.rib.apply(f.t1, announce({65000}, {"10.2.0.0/16"}, 200), f.track);
  f.rib.apply(f.t2, announce({65000}, {"10.2.0.0/16"}, 100), f.track);
  EXPECT_EQ(f.best["10.2.0.0/16"], f.t2) << "lower MED from the same neighbour AS";
  f.rib.apply(f.t2, announce({65000}, {"10.2.0.0/16"}, 300), f.track);
  EXPECT_EQ(f.best["10.2.0.0/16"], f.t1) << "re-announced with a worse MED";

  f.rib.apply(f.t1, announce({65000}, {"10.3.0.0/16"}), f.track);
  f.rib.apply(f.t2, announce({65000}, {"10.3.0.0/16"}), f.track);
  EXPECT_EQ(f.best["10.3.0.0/16"], f.t2) << "lower router ID";
  EXPECT_EQ(f.rib.size(), 3u);
  EXPECT_EQ(f.rib.prefixes_from(f.t1), 3u);
}

TEST(BgpRib, MultipathTakesEqualCostPathsAndReportsTheirChanges) {
  Fixture f;
  f.rib.set_report_every_change(true);
  int reports = 0;
  auto count = [&](const BestChange&) { ++reports; };
  f.rib.apply(f.t1, announce({65000}, {"10.1.0.0/16"}, 100), count);
  f.rib.apply(f.t2, announce({65000}, {"10.1.0.0/16"}, 100), count);  // not the best: still reported
  EXPECT_EQ(reports, 2);
  auto set = [&] {
    std::vector<PeerIndex> peers;
    f.rib.for_each_multipath([&](const IpPrefix&, const std::vector<const Path*>& paths) {
      for (const Path* p : paths) peers.push_back(p->peer);
    });
    return peers;
  };
  EXPECT_EQ(set().size(), 2u);
  f.rib.apply(f.t2, announce({65000}, {"10.1.0.0/16"}, 200), count);  // a worse MED leaves the set
  EXPECT_EQ(set(), std::vector<PeerIndex>{f.t1});
  f.rib.apply(f.t2, announce({65000, 65000}, {"10.1.0.0/16"}, 100), count);  // so does a longer AS_PATH
  EXPECT_EQ(set(), std::vector<PeerIndex>{f.t1});
  f.rib.apply(f.t2, announce({65000}, {"10.1.0.0/16"}, 100), count);
  EXPECT_EQ(set().size(), 2u);
  reports = 0;
  f.rib.drop_peer(f.t2, count);  // a non-best path leaving is reported too
  EXPECT_EQ(reports, 1);
  EXPECT_EQ(set(), std::vector<PeerIndex>{f.t1});
}

TEST(BgpRib, WithdrawFallsBackThenRemoves) {
  Fixture f;
  f.rib.apply(f.t1, announce({65000}, {"10.1.0.0/16"}), f.track);
  f.rib.apply(f.t2, announce({65000, 65001}, {"10.1.0.0/16"}), f.track);
  EXPECT_EQ(f.best["10.1.0.0/16"], f.t1);
  Update w;
  w.withdrawn.push_back(pfx("10.1.0.0/16"));
  f.rib.apply(f.t1, w, f.track);
  EXPECT_EQ(f.best["10.1.0.0/16"], f.t2);
  f.rib.apply(f.t2, w, f.track);
  EXPECT_EQ(f.best["10.1.0.0/16"], std::nullopt);
  EXPECT_EQ(f.rib.size(), 0u);
  EXPECT_EQ(f.rib.prefixes_from(f.t1) + f.rib.prefixes_from(f.t2), 0u);
}

TEST(BgpRib, PathWithOurAsnIsDiscardedAndWithdrawsTheOldOne) {
  Fixture f;
  f.rib.apply(f.t1, announce({65000}, {"10.1.0.0/16"}), f.track);
  auto stats = f.rib.apply(f.t1, announce({65000, 64512}, {"10.1.0.0/16"}), f.track);
  EXPECT_EQ(stats.looped, 1u);
  EXPECT_EQ(f.best["10.1.0.0/16"], std::nullopt);
}

TEST(BgpRib, TreatAsWithdrawRemovesThePeersPath) {
  Fixture f;
  f.rib.apply(f.t1, announce({65000}, {"10.1.0.0/16"}), f.track);
  auto bad = announce({65000}, {"10.1.0.0/16"});
  bad.treat_as_withdraw = true;
  f.rib.apply(f.t1, bad, f.track);
  EXPECT_EQ(f.rib.size(), 0u);
}

TEST(BgpRib, DroppedPeerTakesItsPaths) {
  Fixture f;
  f.rib.apply(f.t1, announce({65000}, {"10.1.0.0/16", "10.2.0.0/16"}), f.track);
  f.rib.apply(f.t2, announce({65000, 65001}, {"10.1.0.0/16"}), f.track);
  f.rib.drop_peer(f.t1, f.track);
  EXPECT_EQ(f.best["10.1.0.0/16"], f.t2);
  EXPECT_EQ(f.best["10.2.0.0/16"], std::nullopt);
  EXPECT_EQ(f.rib.size(), 1u);
  EXPECT_EQ(f.rib.prefixes_from(f.t1), 0u);
}

TEST(BgpRib, Ipv6PrefixesFromMpReach) {
  Fixture f;
  Update u = announce({65000}, {});
  u.mp_reach = MpReach{Family{Afi::ipv6, Safi::unicast}, *IpAddress::parse("fd00::2"), {}, {pfx("2001:db8::/32")}};
  f.rib.apply(f.t1, u, f.track);
  auto paths = f.rib.paths(pfx("2001:db8::/32"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].attrs->attrs.next_hop->to_string(), "fd00::2");
}

}  // namespace
}  // namespace vpngw::bgp
