// BFD control packets and the asynchronous-mode session (RFC 5880), driven by bytes and a clock.
#include <gtest/gtest.h>

#include <vector>

#include "proto/bfd/packet.hpp"
#include "proto/bfd/session.hpp"

namespace vpngw::bfd {
namespace {

// A packet as RFC 5880 4.1 lays it out: version 1, diag 0, state Up with Poll, mult 3, length 24.
const std::vector<uint8_t> kUpPoll = {0x20, 0xe0, 0x03, 0x18, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                      0x00, 0x04, 0x93, 0xe0, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0x00, 0x00};

TEST(BfdPacket, ParsesTheWireLayout) {
  auto p = parse(kUpPoll);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, State::up);
  EXPECT_TRUE(p->poll);
  EXPECT_FALSE(p->final);
  EXPECT_EQ(p->detect_mult, 3);
  EXPECT_EQ(p->my_discriminator, 0x11223344u);
  EXPECT_EQ(p->your_discriminator, 0x55667788u);
  EXPECT_EQ(p->desired_min_tx_us, 300000u);
  EXPECT_EQ(p->required_min_rx_us, 300000u);
  const auto bytes = serialize(p.value());
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), kUpPoll);
}

TEST(BfdPacket, RefusesWhatRfc5880Refuses) {
  struct Row {
    const char* name;
    size_t index;
    uint8_t value;
    ParseError error;
  };
  const Row rows[] = {
      {"version 0", 0, 0x00, ParseError::bad_version},
      {"version 2", 0, 0x40, ParseError::bad_version},
      {"length 23", 3, 23, ParseError::bad_length},
      {"length past the datagram", 3, 25, ParseError::bad_length},
      {"detect mult 0", 2, 0, ParseError::zero_detect_mult},
      {"multipoint", 1, 0xc1, ParseError::multipoint},
      {"authentication", 1, 0xc4, ParseError::authenticated},
      {"my discriminator 0", 4, 0, ParseError::zero_my_discriminator},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto bytes = kUpPoll;
    bytes[r.index] = r.value;
    if (r.error == ParseError::zero_my_discriminator) bytes[5] = bytes[6] = bytes[7] = 0;
    auto p = parse(bytes);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), r.error);
  }
  EXPECT_EQ(parse(std::span<const uint8_t>(kUpPoll.data(), 23)).error(), ParseError::too_short);
}

constexpr int64_t ms = 1'000'000;

// Two sessions wired back to back through one clock: each step lets one session's timers run at
// its next deadline and hands what it sent to the other, whose answers (a Final, an Up announced
// at once) go back at the same instant.
struct Pair {
  Session a{{}, 0xa, 1}, b{{}, 0xb, 2};
  int64_t now = 0;
  std::vector<Transition> seen_a, seen_b;
  std::vector<ControlPacket> last_from_a, last_from_b;

  void exchange() {
    for (int round = 0; round < 4; ++round) {
      auto from_a = a.take_outgoing(), from_b = b.take_outgoing();
      if (from_a.empty() && from_b.empty()) break;
      if (!from_a.empty()) last_from_a = from_a;
      if (!from_b.empty()) last_from_b = from_b;
      for (const auto& p : from_a) b.receive(p, now);
      for (const auto& p : from_b) a.receive(p, now);
    }
    for (auto& t : a.take_events()) seen_a.push_back(t);
    for (auto& t : b.take_events()) seen_b.push_back(t);
  }
  // The session whose deadline comes first acts at it.
  void step() {
    now = std::max(now, std::min(a.next_deadline(), b.next_deadline()));
    a.update_timers(now);
    b.update_timers(now);
    exchange();
  }
  void bring_up() {
    for (int i = 0; i < 10 && !(a.state() == State::up && b.state() == State::up); ++i) step();
    exchange();
  }
};

TEST(BfdSession, ThreeWayHandshakeThenFastRateThroughPoll) {
  Pair p;
  // Both send at once (Down); each sees the other Down and goes Init, then Up on the other's Init.
  p.step();
  EXPECT_EQ(p.a.state(), State::init);
  EXPECT_EQ(p.b.state(), State::init);
  p.bring_up();
  ASSERT_EQ(p.a.state(), State::up);
  ASSERT_EQ(p.b.state(), State::up);
  // Up was announced at once with a Poll for the 300 ms rate; the Final ended the poll.
  bool polled = false, finalled = false;
  for (const auto& pk : p.last_from_a) polled = polled || (pk.poll && pk.desired_min_tx_us == 300000u);
  for (const auto& pk : p.last_from_b) finalled = finalled || pk.final;
  for (int i = 0; i < 3 && !(polled && finalled); ++i) {
    p.step();
    for (const auto& pk : p.last_from_a) polled = polled || (pk.poll && pk.desired_min_tx_us == 300000u);
    for (const auto& pk : p.last_from_b) finalled = finalled || pk.final;
  }
  EXPECT_TRUE(polled);
  EXPECT_TRUE(finalled);
  for (const auto& pk : p.last_from_a) EXPECT_FALSE(pk.poll && pk.final);  // never both
  p.step();
  p.step();
  for (const auto& pk : p.last_from_a) EXPECT_FALSE(pk.poll) << "the poll ended with the Final";
  EXPECT_EQ(p.a.detection_time_us(), 900000u);
  EXPECT_EQ(p.a.tx_interval_us(), 300000u);
  ASSERT_FALSE(p.seen_a.empty());
  EXPECT_EQ(p.seen_a.back().to, State::up);
}

TEST(BfdSession, SilenceExpiresDetectionAndNeighbourDownIsHonoured) {
  Pair p;
  p.bring_up();
  ASSERT_EQ(p.a.state(), State::up);
  ASSERT_EQ(p.b.state(), State::up);
  (void)p.a.take_outgoing();
  // b falls silent: a's timers run on their own until detection.
  const int64_t deadline = p.a.detection_deadline_ns();
  while (p.a.next_deadline() < deadline) {
    p.a.update_timers(p.a.next_deadline());
    (void)p.a.take_outgoing();
  }
  EXPECT_EQ(p.a.state(), State::up);
  EXPECT_EQ(p.a.next_deadline(), deadline);
  (void)p.a.take_events();
  p.a.update_timers(deadline);
  auto t = p.a.take_events();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].to, State::down);
  EXPECT_EQ(t[0].diag, Diag::control_detection_expired);
  EXPECT_EQ(p.a.remote_discriminator(), 0u);
  // a says Down in its next packet: b follows with "neighbor signaled session down".
  p.a.update_timers(p.a.next_deadline());
  auto down = p.a.take_outgoing();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].state, State::down);
  (void)p.b.take_events();
  p.b.receive(down.back(), deadline);
  auto tb = p.b.take_events();
  ASSERT_EQ(tb.size(), 1u);
  EXPECT_EQ(tb[0].diag, Diag::neighbor_signaled_down);
}

TEST(BfdSession, IgnoresPacketsForOtherSessions) {
  Session s({}, 7);
  ControlPacket p;
  p.state = State::up;
  p.my_discriminator = 9;
  p.your_discriminator = 0;  // Up without knowing us: discard (RFC 5880 6.8.6)
  s.receive(p, 0);
  EXPECT_TRUE(s.take_events().empty());
  EXPECT_EQ(s.detection_deadline_ns(), 0);
  p.state = State::down;
  p.your_discriminator = 8;  // someone else's
  s.receive(p, 0);
  EXPECT_TRUE(s.take_events().empty());
  EXPECT_EQ(s.state(), State::down);
}

TEST(BfdSession, AdminDownTakesThePeerDown) {
  Pair p;
  p.bring_up();
  (void)p.b.take_events();
  p.a.admin_down(p.now);
  auto sent = p.a.take_outgoing();
  ASSERT_EQ(sent.size(), 1u);  // at once, not at the next interval
  EXPECT_EQ(sent[0].state, State::admin_down);
  p.b.receive(sent[0], p.now);
  auto t = p.b.take_events();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].to, State::down);
}

TEST(BfdSession, JitterKeepsPacketsWithin75To100PercentOfTheInterval) {
  Pair p;
  p.bring_up();
  for (int i = 0; i < 8; ++i) p.step();  // past the Poll and its Final: the fast rate
  int64_t last = -1;
  int gaps = 0;
  for (int i = 0; i < 400; ++i) {
    const int64_t a_due = p.a.next_deadline();  // a's periodic packet, unless b's deadline comes first
    p.step();
    if (p.now != a_due) continue;
    if (last >= 0) {
      EXPECT_GE(p.now - last, 225 * ms);
      EXPECT_LE(p.now - last, 300 * ms);
      ++gaps;
    }
    last = p.now;
  }
  EXPECT_GT(gaps, 100);
  EXPECT_EQ(p.a.state(), State::up);
}

// AWS's end of a VIF: quiet until the customer's router starts BFD, then a normal session; quiet
// again once detection has expired (the customer turned BFD off).
TEST(BfdSession, PassiveRoleWaitsForThePeer) {
  SessionConfig passive;
  passive.passive = true;
  Session aws(passive, 0xa, 1);
  for (int64_t t = 0; t < 5000 * ms; t += 100 * ms) aws.update_timers(t);
  EXPECT_TRUE(aws.take_outgoing().empty());
  EXPECT_EQ(aws.next_deadline(), Session::kNever);

  Pair p;
  p.a = Session(passive, 0xa, 1);
  p.bring_up();
  EXPECT_EQ(p.a.state(), State::up);
  EXPECT_EQ(p.b.state(), State::up);
  // The customer stops: AWS's side goes Down by detection and falls silent.
  const int64_t stop = p.now;
  for (int64_t t = stop; t < stop + 3000 * ms; t += 50 * ms) p.a.update_timers(t);
  EXPECT_EQ(p.a.state(), State::down);
  p.a.take_outgoing();
  for (int64_t t = stop + 3000 * ms; t < stop + 6000 * ms; t += 50 * ms) p.a.update_timers(t);
  EXPECT_TRUE(p.a.take_outgoing().empty());
}

}  // namespace
}  // namespace vpngw::bfd
