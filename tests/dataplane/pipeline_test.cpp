// The per-packet pipeline, table-driven: each row is an input packet built layer by layer with
// libtins and the verdict (or drop counter) it must produce.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <map>

#include "dataplane/pipeline.hpp"

namespace vpngw {
namespace {

std::vector<uint8_t> bytes_of(Tins::PDU& pdu) { return pdu.serialize(); }

std::vector<uint8_t> udp4(const char* src, const char* dst, size_t payload = 32) {
  Tins::IP ip = Tins::IP(dst, src) / Tins::UDP(5000, 6000) / Tins::RawPDU(std::string(payload, 'x'));
  return bytes_of(ip);
}
std::vector<uint8_t> udp6(const char* src, const char* dst) {
  Tins::IPv6 ip = Tins::IPv6(dst, src) / Tins::UDP(5000, 6000) / Tins::RawPDU(std::string(32, 'y'));
  return bytes_of(ip);
}

std::vector<uint8_t> key(Cipher c) { return std::vector<uint8_t>(cipher_info(c).key_len + kAeadSaltLen, 0x5a); }

struct Gateways {
  // "left" sends on tunnel 0 with SPI 0x2000; "right" receives SPI 0x2000.
  std::shared_ptr<OutboundSa> out = std::make_shared<OutboundSa>(0x2000, Cipher::aes_gcm_128, key(Cipher::aes_gcm_128), true);
  SaTable left{[&] {
                 std::vector<TunnelEntry> t(2);
                 t[0].name = "to-right";
                 t[0].outbound = out;
                 t[1].name = "no-keys";
                 return t;
               }(),
               {}};
  SaTable right{{}, {std::make_shared<InboundSa>(0x2000, Cipher::aes_gcm_128, key(Cipher::aes_gcm_128), true, 64)}};
  Fib fib{{{*IpPrefix::parse("10.2.0.0/16"), 0}, {*IpPrefix::parse("2001:db8:2::/48"), 0},
           {*IpPrefix::parse("10.3.0.0/16"), 1}, {*IpPrefix::parse("10.4.0.0/16"), 7}}};

  std::vector<uint8_t> slot_with(const std::vector<uint8_t>& inner) {
    std::vector<uint8_t> slot(kEspHeadroom + inner.size() + kEspMaxTailroom);
    std::copy(inner.begin(), inner.end(), slot.begin() + kEspHeadroom);
    return slot;
  }
  // Seals through the pipeline and returns the ESP packet.
  std::vector<uint8_t> esp(const std::vector<uint8_t>& inner) {
    auto slot = slot_with(inner);
    auto r = process_outbound(fib, left, slot, inner.size(), 0);
    EXPECT_TRUE(r);
    slot.resize(r->esp_len);
    return slot;
  }
};

TEST(PipelineOutbound, Verdicts) {
  struct Row {
    const char* what;
    std::vector<uint8_t> inner;
    std::optional<Counter> drop;  // nullopt: sealed onto tunnel 0
  };
  const std::vector<Row> rows = {
      {"IPv4 to a routed prefix", udp4("10.1.0.2", "10.2.0.2"), std::nullopt},
      {"IPv6 to a routed prefix", udp6("2001:db8:1::2", "2001:db8:2::2"), std::nullopt},
      {"IPv4 with no route", udp4("10.1.0.2", "192.0.2.1"), Counter::drop_tx_no_route},
      {"IPv6 with no route", udp6("2001:db8:1::2", "2001:db8:9::2"), Counter::drop_tx_no_route},
      {"route to a tunnel without keys", udp4("10.1.0.2", "10.3.0.1"), Counter::drop_tx_no_sa},
      {"route to a tunnel that does not exist", udp4("10.1.0.2", "10.4.0.1"), Counter::drop_tx_no_sa},
      {"empty", {}, Counter::drop_tx_not_ip},
      {"truncated IPv4 header", std::vector<uint8_t>{0x45, 0, 0, 20, 0, 0}, Counter::drop_tx_not_ip},
      {"version 5", std::vector<uint8_t>(40, 0x50), Counter::drop_tx_not_ip},
  };
  for (const auto& row : rows) {
    Gateways g;
    auto slot = g.slot_with(row.inner);
    auto r = process_outbound(g.fib, g.left, slot, row.inner.size(), 0);
    if (!row.drop) {
      ASSERT_TRUE(r) << row.what << ": dropped as " << kCounterInfo[size_t(r.error())].name;
      EXPECT_EQ(r->tunnel, g.left.tunnel(0)) << row.what;
      EXPECT_EQ(r->esp_len % 4, 0u) << row.what;
    } else {
      ASSERT_FALSE(r) << row.what;
      EXPECT_EQ(kCounterInfo[size_t(r.error())].name, kCounterInfo[size_t(*row.drop)].name) << row.what;
    }
  }
}

// A tunnel's limit polices before sealing (nothing sealed, no sequence number spent) and, inbound,
// after authentication; both refill with `now`.
TEST(Pipeline, RateLimitBothWays) {
  Gateways g;
  g.out->policer = std::make_unique<RatePolicer>(RateLimit{1e9, 100});  // 100 packets/s: a burst of 64
  const auto inner = udp4("10.1.0.2", "10.2.0.2");
  int sealed = 0, opened = 0;
  std::vector<std::vector<uint8_t>> esp;
  for (int i = 0; i < 70; ++i) {
    auto slot = g.slot_with(inner);
    auto r = process_outbound(g.fib, g.left, slot, inner.size(), 0);
    if (!r) {
      EXPECT_EQ(kCounterInfo[size_t(r.error())].name, kCounterInfo[size_t(Counter::drop_tx_rate_limit)].name);
      continue;
    }
    ++sealed;
    slot.resize(r->esp_len);
    esp.push_back(slot);
  }
  EXPECT_EQ(sealed, 64);
  EXPECT_EQ(g.out->last_seq.load(), 64u) << "policed packets spend no sequence number";
  auto slot = g.slot_with(inner);
  EXPECT_TRUE(process_outbound(g.fib, g.left, slot, inner.size(), 10'000'000)) << "10 ms later: one more token";

  g.right.inbound()[0]->policer = std::make_unique<RatePolicer>(RateLimit{1e9, 100});
  // Inbound with a fresh bucket holding 64: the 64 sealed packets pass, then it is empty.
  for (auto& e : esp) opened += bool(process_inbound(g.right, e, 0));
  EXPECT_EQ(opened, 64);
  auto slot2 = g.slot_with(inner);
  auto more = process_outbound(g.fib, g.left, slot2, inner.size(), 20'000'000);
  ASSERT_TRUE(more);
  slot2.resize(more->esp_len);
  auto r = process_inbound(g.right, slot2, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(kCounterInfo[size_t(r.error())].name, kCounterInfo[size_t(Counter::drop_rx_rate_limit)].name);
}

TEST(PipelineInbound, Verdicts) {
  Gateways g;
  const auto inner = udp4("10.1.0.2", "10.2.0.2", 100);
  auto good = g.esp(inner);
  auto replay = good;
  auto tampered = g.esp(inner);
  tampered[30] ^= 0x20;
  auto unknown_spi = g.esp(inner);
  unknown_spi[3] ^= 0x01;
  std::vector<uint8_t> garbage = {0xde, 0xad};
  std::vector<uint8_t> not_ip(60, 0x99);
  auto bad_inner = g.esp(inner);  // replaced below by a sealed non-IP payload
  {
    auto slot = g.slot_with(not_ip);
    auto r = esp_seal(*g.out, slot, not_ip.size(), kNextHeaderIpv4);
    ASSERT_TRUE(r);
    slot.resize(r.value());
    bad_inner = slot;
  }
  auto ipv4_claimed_as_v6 = [&] {
    auto slot = g.slot_with(inner);
    auto r = esp_seal(*g.out, slot, inner.size(), kNextHeaderIpv6);
    slot.resize(r.value());
    return slot;
  }();

  struct Row {
    const char* what;
    std::vector<uint8_t> packet;
    std::optional<Counter> verdict;  // nullopt: decrypted to `inner`
  };
  const std::vector<Row> rows = {
      {"genuine", good, std::nullopt},
      {"replayed", replay, Counter::drop_rx_replay},
      {"tampered ciphertext", tampered, Counter::drop_rx_bad_icv},
      {"unknown SPI", unknown_spi, Counter::drop_rx_unknown_spi},
      {"NAT keepalive", {0xff}, Counter::rx_nat_keepalive},
      {"IKE behind the non-ESP marker", {0, 0, 0, 0, 0x11, 0x22}, Counter::rx_non_esp},
      {"too short for ESP", garbage, Counter::drop_rx_malformed},
      {"authentic but not IP inside", bad_inner, Counter::drop_rx_bad_inner},
      {"IPv4 packet with next header 41", ipv4_claimed_as_v6, Counter::drop_rx_bad_inner},
  };
  for (auto row : rows) {
    auto r = process_inbound(g.right, row.packet, 1);
    if (!row.verdict) {
      ASSERT_TRUE(r) << row.what << ": " << kCounterInfo[size_t(r.error())].name;
      EXPECT_EQ(std::vector<uint8_t>(row.packet.begin() + r->offset, row.packet.begin() + r->offset + r->len), inner)
          << row.what;
    } else {
      ASSERT_FALSE(r) << row.what;
      EXPECT_EQ(kCounterInfo[size_t(r.error())].name, kCounterInfo[size_t(*row.verdict)].name) << row.what;
    }
  }
  const InboundSa* sa = g.right.find_inbound(0x2000);
  EXPECT_EQ(sa->counters.auth_failures.load(), 1u);
  EXPECT_EQ(sa->counters.replay_drops.load(), 1u);
  EXPECT_EQ(sa->counters.packets.load(), 1u);
}

TEST(PipelineInbound, HostileInputNeverCrashes) {
  Gateways g;
  std::vector<uint8_t> buf;
  for (size_t len = 0; len < 200; ++len) {
    buf.assign(len, uint8_t(len));
    if (len >= 4) buf[0] = 0, buf[1] = 0, buf[2] = 0x20, buf[3] = 0;  // the real SPI
    EXPECT_FALSE(process_inbound(g.right, buf, 1)) << len;
  }
}

}  // namespace
}  // namespace vpngw

namespace vpngw {
namespace {

// A multipath route over two keyed tunnels: each flow sticks to one tunnel, flows use both.
TEST(PipelineOutbound, MultipathSpreadsFlowsAndKeepsEachOnOneTunnel) {
  auto sa = [](uint32_t spi) { return std::make_shared<OutboundSa>(spi, Cipher::aes_gcm_128, key(Cipher::aes_gcm_128), true); };
  std::vector<TunnelEntry> t(2);
  t[0].name = "tunnel1";
  t[0].outbound = sa(0x100);
  t[1].name = "tunnel2";
  t[1].outbound = sa(0x200);
  SaTable sas{t, {}};
  Fib fib{{FibRoute{*IpPrefix::parse("10.1.0.0/16"), 0, {0, 1}}}};
  auto tunnel_of = [&](uint16_t sport) {
    Tins::IP ip = Tins::IP("10.1.0.10", "10.0.0.10") / Tins::UDP(9, sport) / Tins::RawPDU(std::string(32, 'z'));
    auto inner = ip.serialize();
    std::vector<uint8_t> slot(kEspHeadroom + inner.size() + kEspMaxTailroom);
    std::copy(inner.begin(), inner.end(), slot.begin() + kEspHeadroom);
    auto r = process_outbound(fib, sas, slot, inner.size(), 0);
    EXPECT_TRUE(r);
    return r ? r->tunnel->name : std::string();
  };
  std::map<std::string, int> used;
  for (uint16_t port = 7000; port < 7064; ++port) {
    const std::string first = tunnel_of(port);
    EXPECT_EQ(tunnel_of(port), first) << "flow from port " << port << " changed tunnel";
    ++used[first];
  }
  EXPECT_EQ(used.size(), 2u);
  EXPECT_GE(used["tunnel1"], 16);
  EXPECT_GE(used["tunnel2"], 16);
}

}  // namespace
}  // namespace vpngw
