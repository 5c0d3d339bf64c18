// The session FSM driven by byte buffers: negotiation, and one case per malformed or unexpected
// input asserting the exact NOTIFICATION that goes out (RFC 4271 section 6, RFC 6608).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "proto/bgp/session.hpp"
#include "tests/test_util.hpp"

namespace vpngw::bgp {
namespace {

using test::hex;

const std::string kMarker = "ffffffffffffffffffffffffffffffff";

// Everything a session gave out so far (take_outgoing, take_events), kept for the assertions.
struct Recorder {
  std::vector<std::vector<uint8_t>> sent;
  bool closed = false;  // SessionDown: the owner closes the connection
  bool up = false;
  std::string down_reason;
  std::vector<Update> updates;
  void take(Session& s) {
    for (auto& m : s.take_outgoing()) sent.push_back(std::move(m));
    for (auto& e : s.take_events()) {
      if (std::holds_alternative<SessionUp>(e)) up = true;
      if (auto* u = std::get_if<UpdateReceived>(&e)) updates.push_back(std::move(u->update));
      if (auto* d = std::get_if<SessionDown>(&e)) {
        EXPECT_FALSE(closed) << "a second SessionDown";
        closed = true;
        down_reason = d->reason;
      }
    }
  }
  // The NOTIFICATION sent last, as code/subcode/data in hex.
  std::string last_notification() const {
    if (sent.empty() || sent.back().size() < 21 || sent.back()[18] != 3) return "none";
    const auto& m = sent.back();
    std::string s = std::to_string(m[19]) + "/" + std::to_string(m[20]);
    char buf[3];
    if (m.size() > 21) s += " ";
    for (size_t i = 21; i < m.size(); ++i) { std::snprintf(buf, sizeof buf, "%02x", m[i]); s += buf; }
    return s;
  }
};

SessionConfig config() {
  SessionConfig c;
  c.local_as = 64512;
  c.remote_as = 65000;
  c.router_id = 0xa9fe0a01;
  return c;
}

// OPEN from AS 65000 (4-byte capable), hold 90, id 169.254.10.2.
std::vector<uint8_t> peer_open(const std::string& as_hold = "fde8005a", const std::string& caps = "4104 0000fde8") {
  const auto c = hex(caps);
  const auto fixed = hex("04" + as_hold + "a9fe0a02");
  std::vector<uint8_t> m = hex(kMarker);
  const size_t len = 19 + fixed.size() + 1 + (c.empty() ? 0 : 2 + c.size());
  m.push_back(uint8_t(len >> 8)); m.push_back(uint8_t(len)); m.push_back(1);
  m.insert(m.end(), fixed.begin(), fixed.end());
  if (c.empty()) {
    m.push_back(0);
  } else {
    m.push_back(uint8_t(c.size() + 2)); m.push_back(2); m.push_back(uint8_t(c.size()));
    m.insert(m.end(), c.begin(), c.end());
  }
  return m;
}

std::vector<uint8_t> keepalive() { return hex(kMarker + "0013 04"); }

struct Fixture {
  Session s{config()};
  Recorder recorded;
  Recorder& rec() {
    recorded.take(s);
    return recorded;
  }
  void establish() {
    s.connected(0);
    s.receive(peer_open(), 0);
    s.receive(keepalive(), 0);
    ASSERT_EQ(s.state(), State::established);
  }
};

TEST(BgpSession, EstablishesAndNegotiatesTimers) {
  Fixture f;
  f.s.connected(0);
  EXPECT_EQ(f.s.state(), State::open_sent);
  ASSERT_EQ(f.rec().sent.size(), 1u);
  EXPECT_EQ(f.rec().sent[0][18], 1);  // our OPEN
  f.s.receive(peer_open(), 0);
  EXPECT_EQ(f.s.state(), State::open_confirm);
  f.s.receive(keepalive(), 0);
  EXPECT_TRUE(f.rec().up);
  EXPECT_EQ(f.s.negotiated().hold_time, 30);  // min(30, 90)
  EXPECT_EQ(f.s.negotiated().keepalive, 10);
  EXPECT_TRUE(f.s.negotiated().as4);
}

constexpr int64_t kS = 1'000'000'000;

// The session owns its timers: hold 30 s after the last message, keepalives every 10 s jittered
// down to 7.5 s (RFC 4271 10), all on the caller's clock.
TEST(BgpSession, TimersRunOnTheCallersClock) {
  Fixture f;
  f.s.connected(0);
  EXPECT_EQ(f.s.next_deadline(), Session::kOpenSentHoldNs);
  f.s.receive(peer_open(), 0);
  f.s.receive(keepalive(), 0);
  ASSERT_EQ(f.s.state(), State::established);
  const int64_t first = f.s.next_deadline();
  EXPECT_GE(first, 7'500'000'000);  // the keepalive, jittered
  EXPECT_LE(first, 10 * kS);
  const size_t before = f.rec().sent.size();
  f.s.update_timers(first - 1);
  EXPECT_EQ(f.rec().sent.size(), before);
  f.s.update_timers(first);
  ASSERT_EQ(f.rec().sent.size(), before + 1);
  EXPECT_EQ(f.rec().sent.back()[18], 4);  // KEEPALIVE
  // A message from the peer at 20 s moves the hold deadline to 50 s.
  f.s.receive(keepalive(), 20 * kS);
  while (f.s.next_deadline() < 50 * kS) f.s.update_timers(f.s.next_deadline());  // keepalives only
  EXPECT_EQ(f.s.state(), State::established);
  EXPECT_EQ(f.s.next_deadline(), 50 * kS);
  f.s.update_timers(50 * kS);
  EXPECT_EQ(f.s.state(), State::idle);
  EXPECT_EQ(f.rec().last_notification(), "4/0");
  EXPECT_EQ(f.s.next_deadline(), Session::kNever);
}

TEST(BgpSession, HoldTimeZeroRunsNoTimers) {
  Fixture f;
  f.s.connected(0);
  f.s.receive(peer_open("fde80000"), 0);  // hold time 0
  f.s.receive(keepalive(), 0);
  ASSERT_EQ(f.s.state(), State::established);
  EXPECT_EQ(f.s.negotiated().hold_time, 0);
  EXPECT_EQ(f.s.next_deadline(), Session::kNever);
}

TEST(BgpSession, MessagesSplitAcrossReadsAreReassembled) {
  Fixture f;
  f.s.connected(0);
  auto bytes = peer_open();
  auto ka = keepalive();
  bytes.insert(bytes.end(), ka.begin(), ka.end());
  for (uint8_t b : bytes) f.s.receive(std::span<const uint8_t>(&b, 1), 0);
  EXPECT_EQ(f.s.state(), State::established);
}

TEST(BgpSession, HoldTimerExpirySendsNotification) {
  Fixture f;
  f.establish();
  f.s.update_timers(30'000'000'000);
  EXPECT_EQ(f.rec().last_notification(), "4/0");
  EXPECT_TRUE(f.rec().closed);
  EXPECT_EQ(f.s.state(), State::idle);
}

TEST(BgpSession, TwoByteSpeakerWithoutCapabilities) {
  Session s(config());
  s.connected(0);
  s.receive(peer_open("fde8005a", ""), 0);
  s.receive(keepalive(), 0);
  ASSERT_EQ(s.state(), State::established);
  EXPECT_FALSE(s.negotiated().as4);
  ASSERT_EQ(s.negotiated().families.size(), 1u);  // IPv4 unicast only
}

struct BadInput {
  const char* name;
  bool establish_first;
  std::vector<uint8_t> bytes;
  std::string notification;  // code/subcode data
};

// ctest lists parameterised tests with their parameter: print the case name, not its bytes.
void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class BgpSessionErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(BgpSessionErrors, SendTheRfcNotification) {
  const auto& c = GetParam();
  Fixture f;
  if (c.establish_first) f.establish(); else f.s.connected(0);
  f.s.receive(c.bytes, 0);
  EXPECT_EQ(f.rec().last_notification(), c.notification);
  EXPECT_TRUE(f.rec().closed);
  EXPECT_EQ(f.s.state(), State::idle);
  EXPECT_FALSE(f.rec().down_reason.empty());
}

std::vector<uint8_t> msg(const std::string& len_type_body) { return hex(kMarker + len_type_body); }

INSTANTIATE_TEST_SUITE_P(
    Rfc4271Section6, BgpSessionErrors,
    ::testing::Values(
        BadInput{"bad_marker", false, hex("fffffffffffffffffffffffffffffffe 0013 04"), "1/1"},
        BadInput{"length_below_19", false, msg("0012 04"), "1/2 0012"},
        BadInput{"length_above_4096", true, msg("1001 02"), "1/2 1001"},
        BadInput{"keepalive_with_body", true, msg("0014 04 00"), "1/2 0014"},
        BadInput{"open_too_short", false, msg("001c 01 04fde8005aa9fe0a02"), "1/2 001c"},
        BadInput{"unknown_type", true, msg("0013 09"), "1/3 09"},
        BadInput{"open_version_3", false, msg("001d 01 03 fde8 005a a9fe0a02 00"), "2/1 0004"},
        BadInput{"open_wrong_peer_as", false, peer_open("fde9005a", "4104 0000fde9"), "2/2"},
        BadInput{"open_as4_capability_wrong_as", false, peer_open("5ba0005a", "4104 fa56ea01"), "2/2"},
        BadInput{"open_bgp_id_zero", false, msg("001d 01 04 fde8 005a 00000000 00"), "2/3"},
        BadInput{"open_unknown_optional_parameter", false, msg("0020 01 04 fde8 005a a9fe0a02 03 0101ff"), "2/4"},
        BadInput{"open_hold_time_2", false, msg("001d 01 04 fde8 0002 a9fe0a02 00"), "2/6"},
        BadInput{"open_parameters_overrun", false, msg("001f 01 04 fde8 005a a9fe0a02 02 0205"), "2/0"},
        BadInput{"update_in_open_sent", false, msg("0017 02 00000000"), "5/1"},
        BadInput{"keepalive_in_open_sent", false, msg("0013 04"), "5/1"},
        BadInput{"open_when_established", true, peer_open(), "5/3"},
        BadInput{"update_lengths_overrun", true, msg("0017 02 0005 0000"), "3/1"},
        BadInput{"update_nlri_length_33", true, msg("0018 02 0000 0000 21"), "3/10"},
        BadInput{"update_withdrawn_cut_short", true, msg("0019 02 0002 18 0a 0000"), "3/10"},
        BadInput{"update_unrecognized_well_known", true, msg("001b 02 0000 0004 4063 01 00"), "3/2 40630100"},
        BadInput{"update_mp_reach_repeated", true,
                 msg("002f 02 0000 0018 800e 0900010104 0a000001 00 800e 0900010104 0a000001 00"), "3/1"},
        BadInput{"update_mp_reach_bad_next_hop_length", true, msg("0021 02 0000 000a 800e 07 0002 01 03 000000 00"), "3/9"},
        BadInput{"update_mp_reach_family_not_carried", true, msg("0021 02 0000 000a 800e 07 0019 46 01 0a 00 00"), "3/9"},
        BadInput{"update_mp_unreach_bad_prefix", true, msg("0020 02 0000 0009 800f 06 0002 01 81 00 00"), "3/9"},
        BadInput{"update_mp_reach_flags_transitive", true,
                 msg("0025 02 0000 000e c00e 0b 0001 01 04 0a000001 00 080a"), "3/4 c00e0b000101040a00000100080a"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BgpSession, NotificationFromPeerEndsTheSessionQuietly) {
  Fixture f;
  f.establish();
  const size_t sent_before = f.rec().sent.size();
  f.s.receive(msg("0015 03 0602"), 0);
  EXPECT_EQ(f.s.state(), State::idle);
  EXPECT_EQ(f.rec().sent.size(), sent_before);  // never answer a NOTIFICATION with one
  EXPECT_NE(f.rec().down_reason.find("administrative shutdown"), std::string::npos);
}

TEST(BgpSession, TreatAsWithdrawKeepsTheSession) {
  Fixture f;
  f.establish();
  f.s.receive(msg("0025 02 0000 000e 400101 07 400206 0201 0000fde8 080a"), 0);
  EXPECT_EQ(f.s.state(), State::established);
  ASSERT_EQ(f.rec().updates.size(), 1u);
  EXPECT_TRUE(f.rec().updates[0].treat_as_withdraw);
}

// RFC 7606: wrong flags on ORIGIN make the UPDATE a withdrawal; the log says which flags, in hex.
TEST(BgpSession, AttributeFlagsAreLoggedInHex) {
  Fixture f;
  f.establish();
  f.s.receive(msg("002d 02 0000 0014 c00101 00 400206 0201 0000fde8 400304 0a000001 080a"), 0);
  EXPECT_EQ(f.s.state(), State::established);
  ASSERT_EQ(f.rec().updates.size(), 1u);
  const auto& u = f.rec().updates[0];
  EXPECT_TRUE(u.treat_as_withdraw);
  ASSERT_FALSE(u.warnings.empty());
  EXPECT_NE(u.warnings[0].find("flags 0xc0"), std::string::npos) << u.warnings[0];
}

// RFC 4271 5.1.3: a route whose NEXT_HOP is this end's own address is not installed.
TEST(BgpSession, OwnAddressAsNextHopIsWithdrawn) {
  SessionConfig c = config();
  c.local_address = IpAddress::parse("10.0.0.1");
  Session s(c);
  s.connected(0);
  s.receive(peer_open(), 0);
  s.receive(keepalive(), 0);
  const auto update = [](const std::string& next_hop) {
    return msg("002d 02 0000 0014 400101 00 400206 0201 0000fde8 400304 " + next_hop + " 080a");
  };
  s.receive(update("0a000002"), 0);  // someone else: installed
  s.receive(update("0a000001"), 0);  // ourselves
  Recorder rec;
  rec.take(s);
  ASSERT_EQ(rec.updates.size(), 2u);
  EXPECT_FALSE(rec.updates[0].treat_as_withdraw);
  EXPECT_TRUE(rec.updates[1].treat_as_withdraw);
  ASSERT_FALSE(rec.updates[1].warnings.empty());
  EXPECT_NE(rec.updates[1].warnings[0].find("own address"), std::string::npos);
  EXPECT_EQ(s.state(), State::established);
}

// A lost TCP connection is what `bgp summary` shows as the last error, as a NOTIFICATION would be.
TEST(BgpSession, ConnectionLossIsTheLastError) {
  Fixture f;
  f.establish();
  f.s.connection_lost("closed by the peer");
  EXPECT_EQ(f.s.state(), State::idle);
  EXPECT_EQ(f.s.last_error(), "connection lost: closed by the peer");
  EXPECT_TRUE(f.rec().closed);
}

// The owner of two connections to one peer decides on an OPEN (RFC 4271 6.8): a session it shut
// down from the check goes no further, and the rest of what arrived is not read.
TEST(BgpSession, OpenCheckMayEndTheSession) {
  Session* self = nullptr;
  Session s(config(), [&](const Open& o) {
    EXPECT_EQ(o.bgp_id, 0xa9fe0a02u);
    self->shutdown(ErrorCode::cease, cease_sub::collision, "connection collision resolution");
    return false;
  });
  self = &s;
  Recorder rec;
  s.connected(0);
  auto bytes = peer_open();
  const auto ka = keepalive();
  bytes.insert(bytes.end(), ka.begin(), ka.end());
  s.receive(bytes, 0);
  rec.take(s);
  EXPECT_EQ(s.state(), State::idle);
  ASSERT_EQ(rec.sent.size(), 2u);  // our OPEN, then the Cease; no KEEPALIVE
  EXPECT_EQ(rec.last_notification(), "6/7");
  EXPECT_TRUE(rec.closed);
  EXPECT_FALSE(rec.up);
}

}  // namespace
}  // namespace vpngw::bgp
