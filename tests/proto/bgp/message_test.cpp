// BGP codec: golden bytes for every message and attribute we send or take, round trips, and the
// RFC 7606 outcomes (treat-as-withdraw, attribute discard) that keep a session up.
#include <gtest/gtest.h>

#include "proto/bgp/message.hpp"
#include "tests/test_util.hpp"

namespace vpngw::bgp {
namespace {

using test::hex;
using test::to_hex;

const std::string kMarker = "ffffffffffffffffffffffffffffffff";

IpPrefix pfx(const char* s) { return *IpPrefix::parse(s); }

Update parse_update_ok(const std::vector<uint8_t>& bytes, CodecContext ctx = {}) {
  auto m = parse_message(bytes, ctx);
  EXPECT_TRUE(m) << (m ? "" : m.error().reason);
  if (!m) return {};
  EXPECT_TRUE(std::holds_alternative<Update>(m.value()));
  return std::get<Update>(m.value());
}

// An UPDATE from raw attribute bytes and IPv4 NLRI bytes.
std::vector<uint8_t> update_bytes(const std::string& attrs_hex, const std::string& nlri_hex,
                                  const std::string& withdrawn_hex = "") {
  auto w = hex(withdrawn_hex), a = hex(attrs_hex), n = hex(nlri_hex);
  std::vector<uint8_t> out = hex(kMarker);
  const size_t len = 19 + 2 + w.size() + 2 + a.size() + n.size();
  out.push_back(uint8_t(len >> 8)); out.push_back(uint8_t(len));
  out.push_back(2);
  out.push_back(uint8_t(w.size() >> 8)); out.push_back(uint8_t(w.size()));
  out.insert(out.end(), w.begin(), w.end());
  out.push_back(uint8_t(a.size() >> 8)); out.push_back(uint8_t(a.size()));
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), n.begin(), n.end());
  return out;
}

// ORIGIN IGP, AS_PATH (4-byte) 65001, NEXT_HOP 169.254.10.2
const std::string kBaseAttrs = "400101 00" "400206 0201 0000fde9" "400304 a9fe0a02";

TEST(BgpMessage, KeepaliveGolden) {
  EXPECT_EQ(encode_keepalive(), hex(kMarker + "0013" "04"));
  auto m = parse_message(encode_keepalive(), {});
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::holds_alternative<Keepalive>(m.value()));
}

TEST(BgpMessage, OpenGoldenWithCapabilities) {
  Open o;
  o.my_as = kAsTrans;
  o.hold_time = 30;
  o.bgp_id = 0xa9fe0a01;
  o.caps.as4 = 4200000001;
  o.caps.route_refresh = true;
  o.caps.families = {Family{Afi::ipv4, Safi::unicast}, Family{Afi::ipv6, Safi::unicast}};
  const auto golden = hex(kMarker + "0033" "01" "04" "5ba0" "001e" "a9fe0a01" "16" "0214"
                          "4104fa56ea01" "0200" "010400010001" "010400020001");
  EXPECT_EQ(encode_open(o), golden);
  auto m = parse_message(golden, {});
  ASSERT_TRUE(m);
  const Open& back = std::get<Open>(m.value());
  EXPECT_EQ(back.asn(), 4200000001u);
  EXPECT_EQ(back.hold_time, 30);
  EXPECT_TRUE(back.caps.route_refresh);
  EXPECT_EQ(back.caps.families.size(), 2u);
}

TEST(BgpMessage, NotificationAndRouteRefreshGolden) {
  EXPECT_EQ(encode_notification({ErrorCode::cease, cease_sub::max_prefixes, hex("00010100000064")}),
            hex(kMarker + "001c" "03" "0601" "00010100000064"));
  EXPECT_EQ(encode_route_refresh(Family{Afi::ipv6, Safi::unicast}), hex(kMarker + "0017" "05" "00020001"));
  auto m = parse_message(hex(kMarker + "0017" "05" "00020001"), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<RouteRefresh>(m.value()).family, (Family{Afi::ipv6, Safi::unicast}));
}

TEST(BgpMessage, UpdateWithEveryAttributeParses) {
  // ORIGIN, AS_PATH {seq 65001 65002, set 65003 65004}, NEXT_HOP, MED 50, ATOMIC_AGGREGATE,
  // AGGREGATOR 65001/10.0.0.1, COMMUNITIES 7224:7100 7224:7300, then 10.1.0.0/16 and 10.2.3.0/24.
  const auto bytes = update_bytes(
      "400101 00" "400214 0202 0000fde9 0000fdea 0102 0000fdeb 0000fdec" "400304 a9fe0a02" "800404 00000032"
      "400600" "c00708 0000fde9 0a000001" "c00808 1c381bbc 1c381c84",
      "100a01" "180a0203");
  Update u = parse_update_ok(bytes);
  EXPECT_FALSE(u.treat_as_withdraw);
  EXPECT_EQ(u.attrs.origin, Origin::igp);
  EXPECT_EQ(u.attrs.as_path.to_string(), "65001 65002 {65003 65004}");
  EXPECT_EQ(u.attrs.as_path.length(), 3u);
  EXPECT_EQ(u.attrs.next_hop->to_string(), "169.254.10.2");
  EXPECT_EQ(u.attrs.med, 50u);
  EXPECT_TRUE(u.attrs.atomic_aggregate);
  EXPECT_EQ(u.attrs.aggregator->asn, 65001u);
  EXPECT_EQ(u.attrs.communities, (std::vector<uint32_t>{7224u << 16 | 7100, 7224u << 16 | 7300}));
  ASSERT_EQ(u.nlri.size(), 2u);
  EXPECT_EQ(u.nlri[0], pfx("10.1.0.0/16"));
  EXPECT_EQ(u.nlri[1], pfx("10.2.3.0/24"));
}

TEST(BgpMessage, AnnounceEncodesGoldenAndRoundTrips) {
  PathAttributes a;
  a.origin = Origin::igp;
  const uint32_t path[] = {64512};
  a.as_path.append_segment(AsPath::sequence, path);
  a.next_hop = IpAddress::parse("169.254.10.1");
  a.med = 100;
  const IpPrefix prefixes[] = {pfx("10.0.0.0/16")};
  auto msgs = encode_announce(a, prefixes, CodecContext{});
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], hex(kMarker + "0035" "02" "0000" "001b" "400101 00" "400206 0201 0000fc00" "400304 a9fe0a01"
                         "800404 00000064" "100a00"));
  Update u = parse_update_ok(msgs[0]);
  EXPECT_EQ(u.attrs, a);
  EXPECT_EQ(u.nlri, std::vector<IpPrefix>(std::begin(prefixes), std::end(prefixes)));
}

TEST(BgpMessage, EveryAttributeEncodesGoldenForAnInternalPeer) {
  PathAttributes a;
  a.origin = Origin::egp;
  const uint32_t seq[] = {65001}, set[] = {65002, 65003};
  a.as_path.append_segment(AsPath::sequence, seq);
  a.as_path.append_segment(AsPath::set, set);
  a.next_hop = IpAddress::parse("10.0.0.1");
  a.med = 7;
  a.local_pref = 200;
  a.atomic_aggregate = true;
  a.aggregator = Aggregator{65001, 0x0a000001};
  a.communities = {7224u << 16 | 7100};
  a.unknown_transitive = {RawAttribute{0xe0, 0x20, {0xab}}};
  const IpPrefix prefixes[] = {pfx("192.0.2.0/24")};
  auto msgs = encode_announce(a, prefixes, CodecContext{true, false});
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(to_hex(msgs[0]), to_hex(hex(kMarker + "0060" "02" "0000" "0045"
                         "400101 01"                                // ORIGIN EGP
                         "400210 0201 0000fde9 0102 0000fdea 0000fdeb"  // AS_PATH 65001 {65002 65003}
                         "400304 0a000001"                          // NEXT_HOP
                         "800404 00000007"                          // MED
                         "400504 000000c8"                          // LOCAL_PREF (internal peer only)
                         "400600"                                   // ATOMIC_AGGREGATE
                         "c00708 0000fde9 0a000001"                 // AGGREGATOR
                         "c00804 1c381bbc"                          // COMMUNITIES 7224:7100
                         "e02001 ab"                                // unknown, Partial kept
                         "18c00002")));
  Update u = parse_update_ok(msgs[0], CodecContext{true, false});
  EXPECT_EQ(u.attrs, a);
}

TEST(BgpMessage, Ipv6GoesInMpReachAndMpUnreach) {
  PathAttributes a;
  a.origin = Origin::igp;
  const uint32_t path[] = {64512};
  a.as_path.append_segment(AsPath::sequence, path);
  a.next_hop = IpAddress::parse("fd00::1");
  const IpPrefix prefixes[] = {pfx("2001:db8::/32")};
  auto msgs = encode_announce(a, prefixes, CodecContext{});
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], hex(kMarker + "0041" "02" "0000" "002a" "400101 00" "400206 0201 0000fc00"
                         "800e1a 0002 01 10 fd000000000000000000000000000001 00 20 20010db8"));
  Update u = parse_update_ok(msgs[0]);
  ASSERT_TRUE(u.mp_reach);
  EXPECT_EQ(u.mp_reach->next_hop.to_string(), "fd00::1");
  EXPECT_EQ(u.mp_reach->nlri.at(0), prefixes[0]);

  auto wd = encode_withdraw(prefixes);
  ASSERT_EQ(wd.size(), 1u);
  EXPECT_EQ(wd[0], hex(kMarker + "0022" "02" "0000" "000b" "800f08 0002 01 20 20010db8"));
  Update w = parse_update_ok(wd[0]);
  ASSERT_TRUE(w.mp_unreach);
  EXPECT_EQ(w.mp_unreach->withdrawn.at(0), prefixes[0]);
}

TEST(BgpMessage, EndOfRibForBothFamilies) {
  EXPECT_EQ(encode_end_of_rib(Family{}), hex(kMarker + "0017" "02" "00000000"));
  EXPECT_EQ(parse_update_ok(encode_end_of_rib(Family{})).end_of_rib(), Family{});
  const Family v6{Afi::ipv6, Safi::unicast};
  EXPECT_EQ(encode_end_of_rib(v6), hex(kMarker + "001d" "02" "0000" "0006" "800f03 0002 01"));
  EXPECT_EQ(parse_update_ok(encode_end_of_rib(v6)).end_of_rib(), v6);
  EXPECT_EQ(parse_update_ok(update_bytes(kBaseAttrs, "080a")).end_of_rib(), std::nullopt);
}

TEST(BgpMessage, ManyPrefixesSplitIntoFullSizedUpdates) {
  std::vector<IpPrefix> many;
  for (uint32_t i = 0; i < 3000; ++i) many.push_back(IpPrefix{IpAddress::v4_from_host_order(0x0a000000 | i << 8), 24});
  PathAttributes a;
  a.origin = Origin::igp;
  a.next_hop = IpAddress::parse("169.254.10.1");
  auto msgs = encode_announce(a, many, CodecContext{});
  size_t total = 0;
  for (const auto& m : msgs) {
    EXPECT_LE(m.size(), kMaxMessageLen);
    total += parse_update_ok(m).nlri.size();
  }
  EXPECT_EQ(total, many.size());
  EXPECT_EQ(msgs.size(), 3u);  // 4 bytes a prefix, ~1000 a message
}

TEST(BgpMessage, TwoByteSpeakerGetsAsTransAndAs4Path) {
  PathAttributes a;
  a.origin = Origin::igp;
  const uint32_t path[] = {4200000001, 65001};
  a.as_path.append_segment(AsPath::sequence, path);
  a.next_hop = IpAddress::parse("169.254.10.1");
  const IpPrefix prefixes[] = {pfx("10.0.0.0/8")};
  CodecContext two_byte{false, true};
  auto msgs = encode_announce(a, prefixes, two_byte);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], hex(kMarker + "003a" "02" "0000" "0021" "400101 00" "400206 0202 5ba0 fde9" "400304 a9fe0a01"
                         "c0110a 0202 fa56ea01 0000fde9" "080a"));
  // And back: AS4_PATH restores the true path.
  Update u = parse_update_ok(msgs[0], two_byte);
  EXPECT_EQ(u.attrs.as_path.to_string(), "4200000001 65001");
}

TEST(BgpMessage, As4PathLongerThanAsPathIsIgnored) {
  // AS_PATH 65001 (2-byte), AS4_PATH 4200000001 4200000002: inconsistent, keep AS_PATH.
  Update u = parse_update_ok(
      update_bytes("400101 00" "400204 0201 fde9" "400304 a9fe0a02" "c0110a 0202 fa56ea01 fa56ea02", "080a"),
      CodecContext{false, true});
  EXPECT_EQ(u.attrs.as_path.to_string(), "65001");
}

TEST(BgpMessage, UnknownOptionalTransitiveIsKeptWithPartialBit) {
  Update u = parse_update_ok(update_bytes(kBaseAttrs + "c02002 abcd" + "802102 abcd", "080a"));
  ASSERT_EQ(u.attrs.unknown_transitive.size(), 1u);
  EXPECT_EQ(u.attrs.unknown_transitive[0].type, 0x20);
  EXPECT_EQ(u.attrs.unknown_transitive[0].flags, 0xe0);
}

// RFC 7606: attribute errors that keep the session and withdraw (or drop one attribute).
struct SoftCase {
  const char* name;
  std::string attrs;
  bool withdraw;  // false: only an attribute was discarded
};

void PrintTo(const SoftCase& c, std::ostream* os) { *os << c.name; }

class BgpSoftErrors : public ::testing::TestWithParam<SoftCase> {};

TEST_P(BgpSoftErrors, KeepTheSession) {
  const auto& c = GetParam();
  Update u = parse_update_ok(update_bytes(c.attrs, "080a"));
  EXPECT_EQ(u.treat_as_withdraw, c.withdraw);
  EXPECT_FALSE(u.warnings.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7606, BgpSoftErrors,
    ::testing::Values(
        SoftCase{"origin_value_3", "400101 03" "400206 0201 0000fde9" "400304 a9fe0a02", true},
        SoftCase{"origin_length_2", "400102 0000" "400206 0201 0000fde9" "400304 a9fe0a02", true},
        SoftCase{"as_path_segment_overrun", "400101 00" "400206 0202 0000fde9" "400304 a9fe0a02", true},
        SoftCase{"as_path_zero_count", "400101 00" "400202 0200" "400304 a9fe0a02", true},
        SoftCase{"as_path_bad_segment_type", "400101 00" "400206 0901 0000fde9" "400304 a9fe0a02", true},
        SoftCase{"next_hop_length_5", "400101 00" "400206 0201 0000fde9" "400305 a9fe0a0200", true},
        SoftCase{"next_hop_multicast", "400101 00" "400206 0201 0000fde9" "400304 e0000001", true},
        SoftCase{"med_length_3", kBaseAttrs + "800403 000001", true},
        SoftCase{"communities_length_6", kBaseAttrs + "c00806 000100020003", true},
        SoftCase{"origin_missing", "400206 0201 0000fde9" "400304 a9fe0a02", true},
        SoftCase{"as_path_missing", "400101 00" "400304 a9fe0a02", true},
        SoftCase{"next_hop_missing", "400101 00" "400206 0201 0000fde9", true},
        SoftCase{"origin_flagged_optional", "c00101 00" "400206 0201 0000fde9" "400304 a9fe0a02", true},
        SoftCase{"attribute_overruns_section", kBaseAttrs + "c00810 0001", true},
        SoftCase{"atomic_aggregate_length_1", kBaseAttrs + "400601 00", false},
        SoftCase{"aggregator_length_5", kBaseAttrs + "c00705 0000fde90a", false},
        SoftCase{"local_pref_from_ebgp", kBaseAttrs + "400504 00000064", false},
        SoftCase{"origin_repeated", kBaseAttrs + "400101 01", false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vpngw::bgp
