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

// Two sessions wired back to back through a clock.
struct Pair {
  Session a{{}, 0xa, 1}, b{{}, 0xb, 2};
  int64_t now = 0;
  std::vector<Transition> seen;
  void deliver(Session& from, Session& to) {
    auto t = to.receive(from.transmit(now), now);
    if (t) seen.push_back(*t);
  }
  // Three-way handshake and the Poll/Final that follows: both Up at the fast rate.
  void bring_up() {
    deliver(a, b);
    deliver(b, a);
    deliver(a, b);
    deliver(b, a);
  }
};

TEST(BfdSession, ThreeWayHandshakeThenFastRateThroughPoll) {
  Pair p;
  p.deliver(p.a, p.b);  // b: Down -> Init
  EXPECT_EQ(p.b.state(), State::init);
  p.deliver(p.b, p.a);  // a: Down -> Up (peer in Init)
  EXPECT_EQ(p.a.state(), State::up);
  p.deliver(p.a, p.b);  // b: Init -> Up
  EXPECT_EQ(p.b.state(), State::up);
  // Until Up both sent at 1 s; now each polls the 300 ms rate, and the Final ends the poll.
  ControlPacket poll = p.a.transmit(p.now);
  EXPECT_TRUE(poll.poll);
  EXPECT_EQ(poll.desired_min_tx_us, 300000u);
  p.b.receive(poll, p.now);
  EXPECT_EQ(p.b.next_tx_ns(), 0);  // the Final is due at once
  ControlPacket fin = p.b.transmit(p.now);
  EXPECT_TRUE(fin.final);
  EXPECT_FALSE(fin.poll);  // never both
  p.a.receive(fin, p.now);
  EXPECT_FALSE(p.a.transmit(p.now).poll);
  EXPECT_EQ(p.a.detection_time_us(), 900000u);
  EXPECT_EQ(p.a.tx_interval_us(), 300000u);
}

TEST(BfdSession, SilenceExpiresDetectionAndNeighbourDownIsHonoured) {
  Pair p;
  p.bring_up();
  ASSERT_EQ(p.a.state(), State::up);
  ASSERT_EQ(p.b.state(), State::up);
  const int64_t deadline = p.a.detection_deadline_ns();
  EXPECT_FALSE(p.a.expire(deadline - 1));
  auto t = p.a.expire(deadline);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, State::down);
  EXPECT_EQ(t->diag, Diag::control_detection_expired);
  EXPECT_EQ(p.a.remote_discriminator(), 0u);
  // a now says Down: b follows with "neighbor signaled session down".
  auto down = p.a.transmit(p.now);
  auto tb = p.b.receive(down, p.now);
  ASSERT_TRUE(tb);
  EXPECT_EQ(tb->diag, Diag::neighbor_signaled_down);
}

TEST(BfdSession, IgnoresPacketsForOtherSessions) {
  Session s({}, 7);
  ControlPacket p;
  p.state = State::up;
  p.my_discriminator = 9;
  p.your_discriminator = 0;  // Up without knowing us: discard (RFC 5880 6.8.6)
  EXPECT_FALSE(s.receive(p, 0));
  EXPECT_EQ(s.detection_deadline_ns(), 0);
  p.state = State::down;
  p.your_discriminator = 8;  // someone else's
  EXPECT_FALSE(s.receive(p, 0));
  EXPECT_EQ(s.state(), State::down);
}

TEST(BfdSession, AdminDownTakesThePeerDown) {
  Pair p;
  p.deliver(p.a, p.b);
  p.deliver(p.b, p.a);
  p.deliver(p.a, p.b);
  p.a.admin_down();
  auto t = p.b.receive(p.a.transmit(p.now), p.now);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, State::down);
  EXPECT_EQ(p.a.transmit(p.now).state, State::admin_down);
}

TEST(BfdSession, JitterKeepsPacketsWithin75To100PercentOfTheInterval) {
  Pair p;
  p.bring_up();
  for (int i = 0; i < 200; ++i) {
    p.a.transmit(p.now);
    const int64_t gap = p.a.next_tx_ns() - p.now;
    EXPECT_GE(gap, 225 * ms);
    EXPECT_LE(gap, 300 * ms);
  }
}

}  // namespace
}  // namespace vpngw::bfd
