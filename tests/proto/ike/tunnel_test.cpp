// The IKE tunnel core's lifecycle on a fake clock: two cores (the AWS side and a customer gateway)
// joined by a wire the test controls, every timer fired at the deadline the cores ask for. Checks
// the retransmission back-off, half-open expiry on both roles, AWS's DPD (idle check, timeout,
// clear and restart), the rekey schedule (lifetime minus margin minus fuzz), and NAT keepalives.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "proto/ike/message.hpp"
#include "proto/ike/tunnel.hpp"

namespace vpngw::ike {
namespace {

constexpr int64_t kS = 1'000'000'000;

// The cores log every exchange; an hour of fake time would bury the test output.
const bool kQuiet = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

const IpAddress kAwsAddress = *IpAddress::parse("198.51.100.11");
const IpAddress kCgwAddress = *IpAddress::parse("198.51.100.2");

TunnelOptions fast_options() {
  TunnelOptions o;
  o.pre_shared_key = "lab_tunnel_key_1";
  // One group each (ECP-256): fast, and both sides agree at once.
  o.phase1_dh_groups = {19};
  o.phase2_dh_groups = {19};
  o.phase1_encryption = {"AES128-GCM-16"};
  o.phase2_encryption = {"AES128-GCM-16"};
  // Long lifetimes: no rekey unless a test asks for one.
  o.phase1_lifetime_seconds = 28800;
  o.phase2_lifetime_seconds = 28800;
  return o;
}

struct Sent {
  int64_t at;  // seconds since the test's start, as a fraction
  Exchange exchange;
  bool response;
};

// One side of the wire.
struct Side {
  LocalEnd local;
  EndpointShared shared;
  std::unique_ptr<Tunnel> tunnel;
  std::vector<Sent> sent;  // every IKE message it sent, in order
  std::vector<int64_t> keepalives;
  bool keys_changed = false;

  int64_t count(Exchange x, bool response) const {
    return std::count_if(sent.begin(), sent.end(), [&](const Sent& s) { return s.exchange == x && s.response == response; });
  }
  std::vector<int64_t> times(Exchange x, bool response) const {
    std::vector<int64_t> out;
    for (const auto& s : sent)
      if (s.exchange == x && s.response == response) out.push_back(s.at);
    return out;
  }
  std::string phase(int n) const { return tunnel->summary()[n == 1 ? "TunnelIKEPhase1State" : "TunnelIKEPhase2State"]; }
};

class Wire {
 public:
  Wire(TunnelOptions aws_options, TunnelOptions cgw_options, uint64_t seed = 1) {
    aws.local = {kAwsAddress, 500, 4500, 10};
    cgw.local = {kCgwAddress, 500, 4500, 10};
    aws.tunnel = std::make_unique<Tunnel>(TunnelSpec{"tunnel1", kCgwAddress, 4500, 1024, aws_options}, aws.local,
                                          aws.shared, seed);
    cgw.tunnel = std::make_unique<Tunnel>(TunnelSpec{"aws", kAwsAddress, 4500, 1024, cgw_options}, cgw.local,
                                          cgw.shared, seed + 1000);
  }

  // Delivers what both sides queued (unless `deliver` says no), back and forth until both are quiet.
  void exchange() {
    for (int round = 0; round < 100; ++round) {
      bool any = false;
      any |= carry(aws, cgw);
      any |= carry(cgw, aws);
      if (!any) return;
    }
    FAIL() << "the two sides never went quiet";
  }

  // Advances the fake clock to `until` (ns since start), firing each side's timers at the deadlines
  // they ask for.
  void run_until(int64_t until) {
    while (now_ < until) {
      const int64_t abs = start_ + now_;
      const int64_t next = std::min({aws.tunnel->next_deadline(abs), cgw.tunnel->next_deadline(abs), start_ + until});
      now_ = std::max(next - start_, now_ + 1);
      aws.tunnel->update_timers(start_ + now_);
      cgw.tunnel->update_timers(start_ + now_);
      exchange();
    }
  }

  void start_both() {
    aws.tunnel->start(start_ + now_);
    cgw.tunnel->start(start_ + now_);
    exchange();
  }

  int64_t now() const { return now_; }  // ns since the test's start

  Side aws, cgw;
  // Whether a message from `from_aws` gets through; default: everything does.
  std::function<bool(const Outgoing&, bool from_aws)> deliver = [](const Outgoing&, bool) { return true; };

 private:
  bool carry(Side& from, Side& to) {
    auto out = from.tunnel->take_outgoing();
    from.keys_changed |= from.tunnel->take_keys_changed();
    for (const auto& o : out) {
      if (o.nat_keepalive) {
        from.keepalives.push_back(now_);
        continue;
      }
      auto h = parse_header(o.bytes);
      EXPECT_TRUE(bool(h));
      if (!h) continue;
      from.sent.push_back({now_, h->exchange, h->response()});
      if (!deliver(o, &from == &aws)) continue;
      Source src;
      src.addr.sin_family = AF_INET;
      src.addr.sin_addr.s_addr = htonl(from.local.address.v4_host_order());
      src.addr.sin_port = htons(o.to.natt ? from.local.natt_port : from.local.ike_port);
      src.natt = o.to.natt;
      to.tunnel->receive(o.bytes, src, start_ + now_);
    }
    to.keys_changed |= to.tunnel->take_keys_changed();
    return !out.empty();
  }

  int64_t start_ = 1000 * kS;  // an arbitrary CLOCK_MONOTONIC origin
  int64_t now_ = 0;
};

TunnelOptions initiator(TunnelOptions o) {
  o.startup_action = StartupAction::start;
  return o;
}

TEST(IkeTunnel, EstablishesAndHandsKeysToTheDataPlane) {
  Wire w(fast_options(), initiator(fast_options()));
  w.start_both();
  EXPECT_EQ(w.aws.phase(1), "Established");
  EXPECT_EQ(w.aws.phase(2), "Established");
  EXPECT_EQ(w.cgw.phase(2), "Established");
  EXPECT_TRUE(w.aws.keys_changed);
  ASSERT_TRUE(w.aws.tunnel->keys().outbound());
  EXPECT_EQ(w.aws.tunnel->keys().outbound()->spi, w.cgw.tunnel->keys().current_inbound()->spi);
}

// RFC 7296 2.1: our IKE_SA_INIT again at 1, 2, 4, 8 s intervals; no answer 30 s after the first:
// the attempt is dropped and a new one starts 5 s later.
TEST(IkeTunnel, InitiatorRetransmitsWithBackoffThenRetriesAfterHalfOpenExpiry) {
  Wire w(initiator(fast_options()), fast_options());
  w.deliver = [](const Outgoing&, bool) { return false; };
  w.start_both();
  w.run_until(40 * kS);
  // Given up just after 30 s (before the send due at 31 s); the new attempt 5 s later backs off
  // afresh.
  const int64_t retry = 30 * kS + 1 + 5 * kS;
  EXPECT_EQ(w.aws.times(Exchange::ike_sa_init, false),
            (std::vector<int64_t>{0, 1 * kS, 3 * kS, 7 * kS, 15 * kS, retry, retry + 1 * kS, retry + 3 * kS}));
  EXPECT_NE(w.aws.tunnel->summary()["log"].dump().find("after 5 transmissions; retrying later"), std::string::npos);
  // The link comes back: the next retransmission (retry + 7 s) gets through.
  w.deliver = [](const Outgoing&, bool) { return true; };
  w.run_until(retry + 7 * kS);
  EXPECT_EQ(w.aws.count(Exchange::ike_sa_init, false), 9);
  EXPECT_EQ(w.aws.phase(2), "Established");
}

// A responder whose IKE_AUTH never comes drops the half-open SA after 30 s.
TEST(IkeTunnel, ResponderDropsHalfOpenSaAfter30s) {
  Wire w(fast_options(), initiator(fast_options()));
  // Only the customer gateway's first IKE_SA_INIT reaches AWS; nothing after it.
  bool first = true;
  w.deliver = [&](const Outgoing&, bool from_aws) {
    const bool pass = !from_aws && first;
    if (!from_aws) first = false;
    return pass;
  };
  w.start_both();
  EXPECT_EQ(w.aws.count(Exchange::ike_sa_init, true), 1);
  w.run_until(30 * kS);
  EXPECT_EQ(w.aws.phase(1), "Negotiating");
  w.run_until(30 * kS + 1 * kS);
  EXPECT_EQ(w.aws.phase(1), "Down");
}

// A customer gateway retrying through refusals (its proposals do not match) is not a flood: the
// refused IKE_SA_INITs hold no state, so once it offers what AWS accepts it is answered at once,
// with no cookie and nothing dropped (it used to be blackholed for 30 s after 8 refusals).
TEST(IkeTunnel, RefusedInitsAreNotHalfOpen) {
  Wire w(fast_options(), initiator(fast_options()));
  auto bad = fast_options();
  bad.phase1_dh_groups = {20};  // AWS (the Wire's) allows 19 only
  bad.phase1_encryption = {"AES256-GCM-16"};
  auto config = [](const TunnelOptions& o) {
    IkeConfig c;
    c.psk = o.pre_shared_key;
    const uint32_t a = kCgwAddress.v4_host_order();
    c.local_id = {id_type::ipv4, {uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)}};
    c.ike_proposals = ike_proposals(o);
    c.esp_proposals = esp_proposals(o);
    return c;
  };
  const IkeSa::Endpoints ep{kCgwAddress.v4_host_order(), kAwsAddress.v4_host_order(), 500, 500};
  Source from;
  from.addr.sin_family = AF_INET;
  from.addr.sin_addr.s_addr = htonl(kCgwAddress.v4_host_order());
  from.addr.sin_port = htons(500);
  auto answer_to = [&](IkeSa& cgw, int64_t at) {
    w.aws.tunnel->receive(cgw.start(ep), from, at);
    auto out = w.aws.tunnel->take_outgoing();
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? IkeSa::Outcome{} : cgw.handle(out[0].bytes, ep);
  };
  const int64_t t0 = 1000 * kS;
  for (uint64_t i = 0; i < 12; ++i) {
    IkeSa cgw(config(bad), 0x1000 + i, IkeSa::Role::initiator);
    answer_to(cgw, t0 + int64_t(i) * kS / 10);
    EXPECT_NE(cgw.state(), IkeState::init_done) << "refused " << i;
  }
  IkeSa good(config(fast_options()), 0x2000, IkeSa::Role::initiator);
  answer_to(good, t0 + 2 * kS);
  EXPECT_EQ(good.state(), IkeState::init_done) << "answered with keys, not a cookie demand";
  EXPECT_EQ(w.aws.shared.cookies_sent, 0u);
  EXPECT_EQ(w.aws.shared.dropped_half_open, 0u);
}

// AWS's DPD: a liveness check after 10 s without traffic, retransmitted with back-off, and the
// peer declared dead DPDTimeoutSeconds after the first check: action clear drops the SAs.
TEST(IkeTunnel, DpdChecksAfter10sIdleAndClearsAfterTheTimeout) {
  auto aws = fast_options();
  aws.dpd_timeout_seconds = 30;
  Wire w(aws, initiator(fast_options()));
  w.start_both();
  ASSERT_EQ(w.aws.phase(2), "Established");
  w.deliver = [](const Outgoing&, bool) { return false; };  // the customer gateway goes silent
  w.run_until(40 * kS - 1);
  EXPECT_EQ(w.aws.times(Exchange::informational, false),
            (std::vector<int64_t>{10 * kS, 11 * kS, 13 * kS, 17 * kS, 25 * kS}));
  EXPECT_EQ(w.aws.tunnel->dpd_timeouts(), 0u);
  EXPECT_EQ(w.aws.phase(2), "Established");
  w.aws.keys_changed = false;
  w.run_until(40 * kS);
  EXPECT_EQ(w.aws.tunnel->dpd_timeouts(), 1u);
  EXPECT_EQ(w.aws.phase(1), "Down");
  EXPECT_EQ(w.aws.phase(2), "Down");
  EXPECT_TRUE(w.aws.keys_changed);  // the data plane loses the SAs
  EXPECT_EQ(w.aws.count(Exchange::ike_sa_init, false), 0);  // action clear: AWS waits for the peer
}

TEST(IkeTunnel, DpdAnsweredKeepsTheTunnel) {
  auto aws = fast_options();
  aws.dpd_timeout_seconds = 30;
  Wire w(aws, initiator(fast_options()));
  w.start_both();
  w.run_until(120 * kS);
  EXPECT_GE(w.aws.count(Exchange::informational, false), 10);  // a check every 10 s idle
  EXPECT_EQ(w.aws.tunnel->dpd_timeouts(), 0u);
  EXPECT_EQ(w.aws.phase(2), "Established");
}

TEST(IkeTunnel, DpdActionRestartInitiatesAtOnce) {
  auto aws = fast_options();
  aws.dpd_timeout_seconds = 30;
  aws.dpd_timeout_action = DpdAction::restart;
  Wire w(aws, initiator(fast_options()));
  w.start_both();
  w.deliver = [](const Outgoing&, bool) { return false; };
  w.run_until(40 * kS);
  EXPECT_EQ(w.aws.tunnel->dpd_timeouts(), 1u);
  EXPECT_EQ(w.aws.times(Exchange::ike_sa_init, false), (std::vector<int64_t>{40 * kS}));
  w.deliver = [](const Outgoing&, bool) { return true; };
  w.run_until(42 * kS);
  EXPECT_EQ(w.aws.phase(2), "Established");
}

// The time of AWS's first CREATE_CHILD_SA request (ns since the start), or -1.
int64_t first_rekey(const Side& s) {
  const auto t = s.times(Exchange::create_child_sa, false);
  return t.empty() ? -1 : t.front();
}

// AWS rekeys a Child SA at Phase2Lifetime - RekeyMarginTime - a random part of up to
// RekeyFuzzPercentage % of the margin: with 3600, 540 and 100 %, between 2520 s and 3060 s.
TEST(IkeTunnel, ChildRekeyFallsBetweenMarginAndMarginPlusFuzz) {
  std::set<int64_t> seen;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto aws = fast_options();
    aws.phase2_lifetime_seconds = 3600;
    aws.rekey_margin_time_seconds = 540;
    aws.rekey_fuzz_percentage = 100;
    Wire w(aws, initiator(fast_options()), seed);
    w.start_both();
    w.run_until(3061 * kS);
    const int64_t at = first_rekey(w.aws);
    EXPECT_GE(at, 2520 * kS) << "seed " << seed;
    EXPECT_LE(at, 3060 * kS) << "seed " << seed;
    EXPECT_EQ(w.aws.tunnel->summary()["child_sa_rekeys"], 1) << "seed " << seed;
    EXPECT_EQ(w.aws.phase(2), "Established");
    seen.insert(at);
  }
  EXPECT_GT(seen.size(), 1u) << "the fuzz never moved the rekey";
}

TEST(IkeTunnel, ChildRekeyWithoutFuzzIsLifetimeMinusMargin) {
  auto aws = fast_options();
  aws.phase2_lifetime_seconds = 900;
  aws.rekey_margin_time_seconds = 60;
  aws.rekey_fuzz_percentage = 0;
  Wire w(aws, initiator(fast_options()));
  w.start_both();
  w.run_until(841 * kS);
  EXPECT_EQ(first_rekey(w.aws), 840 * kS);
}

// The IKE SA follows Phase1Lifetime the same way (AWS performs the rekey).
TEST(IkeTunnel, IkeSaRekeyFallsInsideTheWindow) {
  auto aws = fast_options();
  aws.phase1_lifetime_seconds = 3600;
  aws.rekey_margin_time_seconds = 540;
  aws.rekey_fuzz_percentage = 50;
  Wire w(aws, initiator(fast_options()), 7);
  w.start_both();
  const auto before = w.aws.tunnel->summary()["ike_sa"];
  w.run_until(3061 * kS);
  const int64_t at = first_rekey(w.aws);
  EXPECT_GE(at, (3060 - 270) * kS);
  EXPECT_LE(at, 3060 * kS);
  EXPECT_EQ(w.aws.phase(1), "Established");
  EXPECT_NE(w.aws.tunnel->summary()["ike_sa"], before);  // new SPIs
  EXPECT_EQ(w.aws.phase(2), "Established");              // the Child SA lives on in the new IKE SA
}

// RFC 3948: with nothing sent for 20 s, one 0xff byte keeps the (claimed) NAT mapping open.
TEST(IkeTunnel, NatKeepaliveAfter20sOfSilence) {
  Wire w(fast_options(), initiator(fast_options()));
  w.start_both();
  w.run_until(45 * kS);
  ASSERT_GE(w.aws.keepalives.size(), 1u);
  EXPECT_GE(w.aws.keepalives.front(), 20 * kS);
  EXPECT_LE(w.aws.keepalives.front(), 21 * kS);
}

// Maintenance: the endpoint deletes its IKE SA and waits; the customer gateway (startup action
// start) comes back on its own.
TEST(IkeTunnel, RestartDeletesAndThePeerReturns) {
  Wire w(fast_options(), initiator(fast_options()));
  w.start_both();
  w.aws.tunnel->restart(1000 * kS + w.now());
  w.exchange();
  EXPECT_EQ(w.aws.count(Exchange::informational, false), 1);  // the DELETE
  w.run_until(5 * kS);
  EXPECT_EQ(w.aws.phase(2), "Established");
  EXPECT_EQ(w.aws.tunnel->summary()["child_sas_established"], 2);
}

}  // namespace
}  // namespace vpngw::ike
