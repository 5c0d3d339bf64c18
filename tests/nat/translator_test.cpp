// The NAT translator, table-driven: each row is {what, direction, input packet built layer by
// layer with libtins, expected output packet (built the same way, so libtins computes every
// checksum independently) or just the verdict}. Rows run in order against one translator, so a
// row may rely on the mappings earlier rows made; each row names the RFC requirement it checks.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <functional>

#include "common/bytes.hpp"
#include "common/ip_prefix.hpp"
#include "nat/checksum.hpp"
#include "nat/translator.hpp"
#include "tests/test_util.hpp"

namespace vpngw::nat {
namespace {

using namespace Tins;
using test::to_hex;

uint32_t ip4(const char* s) { return IpAddress::parse(s)->v4_host_order(); }

constexpr const char* kClient1 = "172.16.0.2";
constexpr const char* kClient2 = "172.16.0.3";
constexpr const char* kEni0 = "10.0.1.10";
constexpr const char* kEni1 = "10.0.2.10";
constexpr const char* kHost = "10.0.1.20";
constexpr const char* kGateway = "172.16.0.1";

std::vector<uint8_t> bytes(PDU&& pdu) { return pdu.serialize(); }

std::vector<uint8_t> udp(const char* src, uint16_t sport, const char* dst, uint16_t dport, size_t payload = 20) {
  return bytes(IP(dst, src) / UDP(dport, sport) / RawPDU(std::string(payload, 'u')));
}
std::vector<uint8_t> tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags) {
  TCP t(dport, sport);
  t.flags(flags);
  t.seq(1000);
  return bytes(IP(dst, src) / t / RawPDU("hello"));
}
std::vector<uint8_t> echo(const char* src, const char* dst, uint16_t id, bool request) {
  ICMP i(request ? ICMP::ECHO_REQUEST : ICMP::ECHO_REPLY);
  i.id(id);
  i.sequence(1);
  return bytes(IP(dst, src) / i / RawPDU("ping"));
}
// ICMP error from `src` to `dst` quoting `quoted` (its IP header plus 8 bytes, as routers do).
std::vector<uint8_t> icmp_error(const char* src, const char* dst, const std::vector<uint8_t>& quoted,
                                ICMP::Flags type = ICMP::DEST_UNREACHABLE, uint8_t code = 3) {
  const size_t ihl = size_t(quoted[0] & 0x0f) * 4;
  std::vector<uint8_t> q(quoted.begin(), quoted.begin() + long(std::min(quoted.size(), ihl + 8)));
  ICMP i(type);
  i.code(code);
  return bytes(IP(dst, src) / i / RawPDU(q));
}
// UDP with the checksum field zeroed (allowed in IPv4: "no checksum").
std::vector<uint8_t> udp_no_checksum(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  auto b = udp(src, sport, dst, dport);
  b[26] = b[27] = 0;
  return b;
}
// The two fragments of a UDP datagram: the first holds the UDP header (MF set), the second the rest.
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> fragments(const char* src, uint16_t sport, const char* dst,
                                                                uint16_t dport, uint16_t id) {
  auto whole = udp(src, sport, dst, dport, 1000);
  const size_t split = 20 + 8 + 512;  // the first fragment's payload is a multiple of 8
  std::vector<uint8_t> first(whole.begin(), whole.begin() + long(split));
  std::vector<uint8_t> second(whole.begin(), whole.begin() + 20);
  second.insert(second.end(), whole.begin() + long(split), whole.end());
  auto fix = [&](std::vector<uint8_t>& f, uint16_t frag_field) {
    store_be16(&f[2], uint16_t(f.size()));
    store_be16(&f[4], id);
    store_be16(&f[6], frag_field);
    f[10] = f[11] = 0;
    store_be16(&f[10], checksum(f.data(), 20));
  };
  fix(first, 0x2000);
  fix(second, uint16_t((split - 20) / 8));
  return {first, second};
}

enum class Dir { out, in };

struct Row {
  const char* what;
  Dir dir;
  uint8_t eni;
  std::vector<uint8_t> input;
  Action action;
  Counter counter;
  std::vector<uint8_t> expected;  // empty: only the verdict is checked
  std::function<void(const std::vector<uint8_t>&)> check = nullptr;  // extra checks on the output
};

struct Fixture {
  TranslatorConfig cfg = [] {
    TranslatorConfig c;
    c.eni_addresses = {ip4(kEni0), ip4(kEni1)};
    c.inside_address = ip4(kGateway);
    c.client_network = ip4("172.16.0.0");
    c.client_mask = 0xfffffc00;  // 172.16.0.0/22
    c.capacity = 64;
    return c;
  }();
  Translator nat{cfg};
  uint32_t now = 1000;

  Verdict run(Dir dir, uint8_t eni, std::vector<uint8_t>& buf, size_t len) {
    return dir == Dir::out ? nat.outbound(buf, len, eni, now) : nat.inbound(buf, len, eni, now);
  }
  void run_rows(const std::vector<Row>& rows) {
    for (const auto& row : rows) {
      SCOPED_TRACE(row.what);
      std::vector<uint8_t> buf = row.input;
      buf.resize(std::max(buf.size(), kIcmpErrorMax) + 64);
      const uint64_t before = nat.counters().get(row.counter);
      const Verdict v = run(row.dir, row.eni, buf, row.input.size());
      EXPECT_EQ(int(v.action), int(row.action));
      EXPECT_EQ(kCounterInfo[size_t(v.counter)].name, kCounterInfo[size_t(row.counter)].name);
      EXPECT_EQ(nat.counters().get(row.counter), before + 1);
      buf.resize(v.action == Action::drop ? 0 : v.len);
      if (!row.expected.empty()) {
        EXPECT_EQ(to_hex(buf), to_hex(row.expected));
      }
      if (row.check) row.check(buf);
    }
  }
};

// A translated packet must be one libtins parses and whose checksums it would compute the same.
void checksums_valid(const std::vector<uint8_t>& pkt) {
  IP ip(pkt.data(), uint32_t(pkt.size()));
  EXPECT_EQ(to_hex(ip.serialize()), to_hex(pkt)) << "libtins recomputes different checksums";
}

uint16_t udp_sport(const std::vector<uint8_t>& pkt) { return load_be16(&pkt[20]); }

TEST(NatTranslator, UdpTcpIcmpBothWays) {
  Fixture f;
  uint16_t client2_port = 0;
  f.run_rows({
      {"UDP out keeps the client's port (RFC 4787 REQ-1, AWS port preservation)", Dir::out, 0,
       udp(kClient1, 5000, kHost, 53), Action::to_outside, Counter::out_translated, udp(kEni0, 5000, kHost, 53)},
      {"UDP reply to the ENI address goes back to the client", Dir::in, 0, udp(kHost, 53, kEni0, 5000),
       Action::to_inside, Counter::in_translated, udp(kHost, 53, kClient1, 5000)},
      {"a reply from another host reaches the mapping too (endpoint-independent filtering)", Dir::in, 0,
       udp("10.0.1.30", 9999, kEni0, 5000), Action::to_inside, Counter::in_translated,
       udp("10.0.1.30", 9999, kClient1, 5000)},
      {"same mapping for another destination (endpoint-independent mapping, REQ-1)", Dir::out, 0,
       udp(kClient1, 5000, "10.0.1.30", 123), Action::to_outside, Counter::out_translated,
       udp(kEni0, 5000, "10.0.1.30", 123)},
      {"second client with the same port gets another, from 1024-65535 (no overloading, REQ-2/REQ-3)", Dir::out,
       0, udp(kClient2, 5000, kHost, 53), Action::to_outside, Counter::out_translated, {},
       [&](const std::vector<uint8_t>& out) {
         client2_port = udp_sport(out);
         EXPECT_NE(client2_port, 5000);
         EXPECT_GE(client2_port, 1024);
         EXPECT_EQ(IpAddress::v4_from_host_order(load_be32(&out[12])).to_string(), kEni0);
         checksums_valid(out);
       }},
      {"another ENI has its own port space", Dir::out, 1, udp(kClient1, 123, kHost, 123), Action::to_outside,
       Counter::out_translated, udp(kEni1, 123, kHost, 123)},
      {"a taken privileged port is replaced by another privileged one (REQ-3)", Dir::out, 1,
       udp(kClient2, 123, kHost, 123), Action::to_outside, Counter::out_translated, {},
       [](const std::vector<uint8_t>& out) {
         EXPECT_NE(udp_sport(out), 123);
         EXPECT_LT(udp_sport(out), 1024);
         checksums_valid(out);
       }},
      {"UDP to an unmapped port is dropped", Dir::in, 0, udp(kHost, 53, kEni0, 6000), Action::drop,
       Counter::drop_no_mapping},
      {"UDP without a checksum keeps checksum 0", Dir::out, 0, udp_no_checksum(kClient1, 7000, kHost, 53),
       Action::to_outside, Counter::out_translated, udp_no_checksum(kEni0, 7000, kHost, 53)},
      {"TCP SYN out", Dir::out, 0, tcp(kClient1, 40000, kHost, 80, TCP::SYN), Action::to_outside,
       Counter::out_translated, tcp(kEni0, 40000, kHost, 80, TCP::SYN)},
      {"TCP SYN-ACK in", Dir::in, 0, tcp(kHost, 80, kEni0, 40000, TCP::SYN | TCP::ACK), Action::to_inside,
       Counter::in_translated, tcp(kHost, 80, kClient1, 40000, TCP::SYN | TCP::ACK)},
      {"ICMP echo request keeps its identifier", Dir::out, 0, echo(kClient1, kHost, 0x1234, true),
       Action::to_outside, Counter::out_translated, echo(kEni0, kHost, 0x1234, true)},
      {"ICMP echo reply back to the client", Dir::in, 0, echo(kHost, kEni0, 0x1234, false), Action::to_inside,
       Counter::in_translated, echo(kHost, kClient1, 0x1234, false)},
      {"echo reply for an unknown identifier", Dir::in, 0, echo(kHost, kEni0, 0x9999, false), Action::drop,
       Counter::drop_no_mapping},
      {"inbound echo request is the ENI's to answer, not the NAT's", Dir::in, 0, echo(kHost, kEni0, 1, true),
       Action::drop, Counter::drop_unsupported},
      {"ICMP port unreachable about a client's UDP: embedded header translated (RFC 5508 REQ-3)", Dir::in, 0,
       icmp_error(kHost, kEni0, udp(kEni0, 5000, kHost, 53)), Action::to_inside, Counter::icmp_errors_translated,
       icmp_error(kHost, kClient1, udp(kClient1, 5000, kHost, 53))},
      {"ICMP time exceeded about a client's TCP", Dir::in, 0,
       icmp_error("10.0.1.1", kEni0, tcp(kEni0, 40000, kHost, 80, TCP::SYN), ICMP::TIME_EXCEEDED, 0),
       Action::to_inside, Counter::icmp_errors_translated,
       icmp_error("10.0.1.1", kClient1, tcp(kClient1, 40000, kHost, 80, TCP::SYN), ICMP::TIME_EXCEEDED, 0)},
      {"ICMP error about an echo request", Dir::in, 0, icmp_error(kHost, kEni0, echo(kEni0, kHost, 0x1234, true)),
       Action::to_inside, Counter::icmp_errors_translated, icmp_error(kHost, kClient1, echo(kClient1, kHost, 0x1234, true))},
      {"ICMP error with no mapping is dropped (RFC 5508 REQ-3)", Dir::in, 0,
       icmp_error(kHost, kEni0, udp(kEni0, 6001, kHost, 53)), Action::drop, Counter::drop_icmp_error_no_mapping},
      {"client's ICMP error about a packet it received goes out translated", Dir::out, 0,
       icmp_error(kClient1, kHost, udp(kHost, 53, kClient1, 5000)), Action::to_outside,
       Counter::icmp_errors_translated, icmp_error(kEni0, kHost, udp(kHost, 53, kEni0, 5000))},
      {"hairpin: client 2 to client 1's mapping comes back to client 1 from client 2's mapping (REQ-9)", Dir::out, 0,
       udp(kClient2, 5000, kEni0, 5000), Action::to_inside, Counter::hairpinned, {},
       [&](const std::vector<uint8_t>& out) {
         EXPECT_EQ(to_hex(out), to_hex(udp(kEni0, client2_port, kClient1, 5000)));
       }},
      {"GRE is not translated", Dir::out, 0, bytes(IP(kHost, kClient1) / RawPDU("gre")), Action::drop,
       Counter::drop_unsupported},
  });
}

TEST(NatTranslator, FragmentsFollowTheFirst) {
  Fixture f;
  auto [first, second] = fragments(kClient1, 5000, kHost, 53, 0x4242);
  auto [first_out, second_out] = fragments(kEni0, 5000, kHost, 53, 0x4242);
  auto [lone_first, lone_second] = fragments(kClient1, 5001, kHost, 53, 0x7777);
  (void)lone_first;
  // The first fragment's UDP checksum covers the whole datagram; ours is rewritten incrementally,
  // so it equals the checksum libtins computed over the translated whole datagram.
  f.run_rows({
      {"first fragment carries the ports", Dir::out, 0, first, Action::to_outside, Counter::out_translated, first_out},
      {"second fragment follows by IP id", Dir::out, 0, second, Action::to_outside, Counter::fragments_translated,
       second_out},
      {"a later fragment whose first was never seen", Dir::out, 0, lone_second, Action::drop,
       Counter::drop_fragment_no_mapping},
  });
  auto [in_first, in_second] = fragments(kHost, 53, kEni0, 5000, 0x5151);
  auto [in_first_out, in_second_out] = fragments(kHost, 53, kClient1, 5000, 0x5151);
  f.run_rows({
      {"inbound first fragment", Dir::in, 0, in_first, Action::to_inside, Counter::in_translated, in_first_out},
      {"inbound second fragment", Dir::in, 0, in_second, Action::to_inside, Counter::fragments_translated,
       in_second_out},
  });
}

TEST(NatTranslator, MalformedAndTruncatedAreCountedDrops) {
  Fixture f;
  auto good = udp(kClient1, 5000, kHost, 53);
  auto with = [&](auto edit) {
    auto b = good;
    edit(b);
    return b;
  };
  f.run_rows({
      {"10 bytes", Dir::out, 0, std::vector<uint8_t>(good.begin(), good.begin() + 10), Action::drop,
       Counter::drop_malformed},
      {"IPv6 version nibble", Dir::out, 0, with([](auto& b) { b[0] = 0x65; }), Action::drop, Counter::drop_not_ipv4},
      {"header length 16", Dir::out, 0, with([](auto& b) { b[0] = 0x44; }), Action::drop, Counter::drop_malformed},
      {"total length past the buffer", Dir::out, 0, with([](auto& b) { store_be16(&b[2], 2000); }), Action::drop,
       Counter::drop_malformed},
      {"UDP header cut short", Dir::out, 0,
       with([](auto& b) { b.resize(24); store_be16(&b[2], 24); }), Action::drop, Counter::drop_truncated_l4},
      {"TCP header cut short", Dir::out, 0,
       with([](auto& b) { b[9] = 6; b.resize(30); store_be16(&b[2], 30); }), Action::drop,
       Counter::drop_truncated_l4},
      {"ICMP error quoting garbage", Dir::in, 0, icmp_error(kHost, kEni0, std::vector<uint8_t>(28, 0x45)),
       Action::drop, Counter::drop_icmp_error_no_mapping},
      {"inbound packet not for the ENI address", Dir::in, 0, udp(kHost, 53, "10.0.1.99", 5000), Action::drop,
       Counter::drop_no_mapping},
  });
}

// RFC 4787/5382 leave it to the NAT; AWS's ENI only ever sees its clients. A packet from the
// ENI's own address would loop TUN -> NAT -> TUN until its TTL ran out, making a mapping each time.
TEST(NatTranslator, OnlyClientSourcesAreTranslated) {
  Fixture f;
  ICMP redirect(ICMP::REDIRECT);
  f.run_rows({
      {"source: the ENI's own address", Dir::out, 0, udp(kEni0, 5000, kHost, 53), Action::drop, Counter::drop_source_not_client},
      {"source: outside client_cidr", Dir::out, 0, udp("172.16.4.1", 5000, kHost, 53), Action::drop, Counter::drop_source_not_client},
      {"source: the gateway (its ICMP redirect)", Dir::out, 0, bytes(IP(kClient1, kGateway) / redirect / RawPDU(std::string(28, 'q'))),
       Action::drop, Counter::drop_source_not_client},
      {"a later fragment from outside", Dir::out, 0, fragments("192.0.2.9", 5000, kHost, 53, 77).second, Action::drop,
       Counter::drop_source_not_client},
      {"the last client address passes", Dir::out, 0, udp("172.16.3.254", 5000, kHost, 53), Action::to_outside,
       Counter::out_translated},
  });
  EXPECT_EQ(f.nat.table().size(), 1u) << "only the client's packet made a mapping";
}

TEST(NatTranslator, FullTableAnswersIcmpAdministrativelyProhibited) {
  Fixture f;
  f.cfg.capacity = 1;
  Translator small(f.cfg);
  std::vector<uint8_t> a = udp(kClient1, 5000, kHost, 53), b = udp(kClient2, 5000, kHost, 53);
  const size_t b_len = b.size();
  a.resize(512);
  b.resize(512);
  EXPECT_EQ(int(small.outbound(a, 48, 0, 1000).action), int(Action::to_outside));
  const Verdict v = small.outbound(b, b_len, 0, 1000);
  ASSERT_EQ(int(v.action), int(Action::reply));
  EXPECT_EQ(small.counters().get(Counter::drop_table_full), 1u);
  b.resize(v.len);
  // ICMP 3/13 from the gateway to client 2, quoting the refused packet's header and 8 bytes.
  IP expected(kClient2, kGateway);
  expected.ttl(64);
  expected.id(0);
  auto quoted = udp(kClient2, 5000, kHost, 53);
  quoted.resize(28);
  ICMP icmp(ICMP::DEST_UNREACHABLE);
  icmp.code(13);
  EXPECT_EQ(to_hex(b), to_hex(bytes(expected / icmp / RawPDU(quoted))));
}

TEST(NatTranslator, TimeoutsFollowRfcMinimumsAndErrorsNeverRefresh) {
  Fixture f;
  auto in = [&](std::vector<uint8_t> p) {
    const size_t n = p.size();
    p.resize(512);
    return f.nat.inbound(p, n, 0, f.now).action;
  };
  auto u = udp(kClient1, 5000, kHost, 53);
  std::vector<uint8_t> ub = u;
  ub.resize(512);
  f.nat.outbound(ub, u.size(), 0, f.now);
  auto t = tcp(kClient1, 40000, kHost, 80, TCP::SYN);
  std::vector<uint8_t> tb = t;
  tb.resize(512);
  f.nat.outbound(tb, t.size(), 0, f.now);
  in(tcp(kHost, 80, kEni0, 40000, TCP::SYN | TCP::ACK));  // established now
  auto p = echo(kClient1, kHost, 7, true);
  std::vector<uint8_t> pb = p;
  pb.resize(512);
  f.nat.outbound(pb, p.size(), 0, f.now);

  // Inbound UDP and ICMP errors do not refresh (RFC 4787 REQ-6 outbound refresh, RFC 5508 REQ-5).
  f.now += 250;
  EXPECT_EQ(int(in(udp(kHost, 53, kEni0, 5000))), int(Action::to_inside));
  EXPECT_EQ(int(in(icmp_error(kHost, kEni0, udp(kEni0, 5000, kHost, 53)))), int(Action::to_inside));
  f.now += 51;  // 301 s after the last outbound packet
  f.nat.expire(f.now);
  EXPECT_EQ(int(in(udp(kHost, 53, kEni0, 5000))), int(Action::drop)) << "UDP mapping outlived 300 s";
  EXPECT_EQ(int(in(echo(kHost, kEni0, 7, false))), int(Action::drop)) << "ICMP query mapping outlived 60 s";
  EXPECT_EQ(int(in(tcp(kHost, 80, kEni0, 40000, TCP::ACK))), int(Action::to_inside))
      << "an established TCP mapping must live 2 h 4 min";
  f.now += 7440;
  f.nat.expire(f.now);
  EXPECT_EQ(int(in(tcp(kHost, 80, kEni0, 40000, TCP::ACK))), int(Action::drop));
  EXPECT_GE(f.nat.counters().get(Counter::mappings_expired), 3u);
  EXPECT_EQ(f.nat.table().size(), 0u);
}

TEST(NatTranslator, TcpFinFromBothSidesMakesTheMappingTransitory) {
  Fixture f;
  auto go = [&](Dir d, std::vector<uint8_t> p) {
    const size_t n = p.size();
    p.resize(512);
    return int(f.run(d, 0, p, n).action);
  };
  go(Dir::out, tcp(kClient1, 40000, kHost, 80, TCP::SYN));
  go(Dir::in, tcp(kHost, 80, kEni0, 40000, TCP::SYN | TCP::ACK));
  go(Dir::out, tcp(kClient1, 40000, kHost, 80, TCP::FIN | TCP::ACK));
  go(Dir::in, tcp(kHost, 80, kEni0, 40000, TCP::FIN | TCP::ACK));
  f.now += 241;
  f.nat.expire(f.now);
  EXPECT_EQ(go(Dir::in, tcp(kHost, 80, kEni0, 40000, TCP::ACK)), int(Action::drop));
}

}  // namespace
}  // namespace vpngw::nat
