// Make-before-break rules for IKE-keyed tunnels: which SA carries outbound traffic and which
// inbound SAs the data plane still accepts, across a peer's Child SA rekey, DELETE and IKE SA loss.
#include <gtest/gtest.h>

#include <algorithm>

#include "proto/ike/tunnel_keys.hpp"

namespace vpngw {
namespace {

ike::ChildSaKeys child(uint32_t in, uint32_t out, uint16_t bits = 128) {
  ike::ChildSaKeys k;
  k.spi_in = in;
  k.spi_out = out;
  k.encr = ike::encr_id::aes_gcm_16;
  k.key_bits = bits;
  k.encr_in = k.encr_out = ike::Bytes(bits / 8 + 4, 0x42);
  return k;
}

std::vector<uint32_t> inbound_spis(const TunnelKeys& keys) {
  std::vector<std::shared_ptr<InboundSa>> in;
  keys.collect_inbound(in);
  std::vector<uint32_t> spis;
  for (const auto& sa : in) spis.push_back(sa->spi);
  std::sort(spis.begin(), spis.end());
  return spis;
}

constexpr int64_t kSecond = 1'000'000'000;

TEST(TunnelKeys, FirstChildSaCarriesTrafficAtOnce) {
  TunnelKeys keys(1024);
  EXPECT_FALSE(keys.outbound());
  EXPECT_FALSE(keys.add(child(0x1001, 0x2001), std::nullopt));
  ASSERT_TRUE(keys.outbound());
  EXPECT_EQ(keys.outbound()->spi, 0x2001u);
  EXPECT_EQ(keys.current_inbound()->spi, 0x1001u);
  EXPECT_EQ(inbound_spis(keys), (std::vector<uint32_t>{0x1001}));
}

TEST(TunnelKeys, RekeyKeepsSendingOnTheOldSaUntilThePeerUsesTheNewOne) {
  TunnelKeys keys(1024);
  keys.add(child(0x1001, 0x2001), std::nullopt);
  EXPECT_FALSE(keys.add(child(0x1002, 0x2002), 0x1001u));
  EXPECT_TRUE(keys.rekey_pending());
  EXPECT_EQ(keys.outbound()->spi, 0x2001u);  // the peer may not have the new keys yet
  EXPECT_EQ(inbound_spis(keys), (std::vector<uint32_t>{0x1001, 0x1002}));  // but we accept both
  EXPECT_FALSE(keys.poll(1 * kSecond));  // no packet on the new SA yet: nothing changes
  EXPECT_EQ(keys.outbound()->spi, 0x2001u);

  // The first packet that opens on the new inbound SA proves the peer installed it.
  std::vector<std::shared_ptr<InboundSa>> in;
  keys.collect_inbound(in);
  for (auto& sa : in)
    if (sa->spi == 0x1002) SaCounters::bump(sa->counters.packets, 1);
  EXPECT_TRUE(keys.poll(2 * kSecond));
  EXPECT_EQ(keys.outbound()->spi, 0x2002u);
  EXPECT_FALSE(keys.rekey_pending());
}

TEST(TunnelKeys, OurOwnRekeySwitchesAtOnce) {
  TunnelKeys keys(1024);
  keys.add(child(0x1001, 0x2001), std::nullopt);
  auto rekey = child(0x1002, 0x2002);
  rekey.we_initiated = true;
  keys.add(rekey, 0x1001u);
  EXPECT_FALSE(keys.rekey_pending());
  EXPECT_EQ(keys.outbound()->spi, 0x2002u);
  EXPECT_EQ(inbound_spis(keys), (std::vector<uint32_t>{0x1001, 0x1002}));  // the old one until our DELETE
}

TEST(TunnelKeys, PeersDeleteOfTheOldSaSwitchesAndTheOldInboundLingers) {
  TunnelKeys keys(1024);
  keys.add(child(0x1001, 0x2001), std::nullopt);
  keys.add(child(0x1002, 0x2002), 0x1001u);
  keys.remove(0x1001, 10 * kSecond);
  EXPECT_EQ(keys.outbound()->spi, 0x2002u);
  EXPECT_EQ(keys.live_children(), 1u);
  // Packets already in flight on the old SA still open for a moment...
  EXPECT_FALSE(keys.poll(10 * kSecond + TunnelKeys::kLingerNs - 1));
  EXPECT_EQ(inbound_spis(keys), (std::vector<uint32_t>{0x1001, 0x1002}));
  // ...then it is gone.
  EXPECT_TRUE(keys.poll(10 * kSecond + TunnelKeys::kLingerNs));
  EXPECT_EQ(inbound_spis(keys), (std::vector<uint32_t>{0x1002}));
}

TEST(TunnelKeys, DeletingTheSaInUseFallsBackToTheNewestLiveOne) {
  TunnelKeys keys(1024);
  keys.add(child(0x1001, 0x2001), std::nullopt);
  keys.add(child(0x1002, 0x2002), std::nullopt);  // a second, independent Child SA
  EXPECT_EQ(keys.outbound()->spi, 0x2002u);
  keys.remove(0x1002, kSecond);
  EXPECT_EQ(keys.outbound()->spi, 0x2001u);
  keys.remove(0x1001, kSecond);
  EXPECT_FALSE(keys.outbound());
}

TEST(TunnelKeys, IkeSaLossStopsSendingButLetsInFlightPacketsIn) {
  TunnelKeys keys(1024);
  keys.add(child(0x1001, 0x2001), std::nullopt);
  keys.add(child(0x1002, 0x2002), 0x1001u);
  keys.clear(5 * kSecond);
  EXPECT_FALSE(keys.outbound());
  EXPECT_FALSE(keys.rekey_pending());
  EXPECT_EQ(keys.live_children(), 0u);
  EXPECT_EQ(inbound_spis(keys).size(), 2u);
  keys.poll(5 * kSecond + TunnelKeys::kLingerNs);
  EXPECT_TRUE(inbound_spis(keys).empty());
}

TEST(TunnelKeys, RefusesWhatTheDataPlaneCannotDo) {
  TunnelKeys keys(1024);
  auto cbc = child(0x1001, 0x2001);
  cbc.encr = ike::encr_id::aes_cbc;  // CBC without an integrity algorithm: not a valid ESP SA
  auto err = keys.add(cbc, std::nullopt);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("not in the data plane"), std::string::npos) << *err;
  EXPECT_FALSE(keys.add(child(0x1001, 0x2001), std::nullopt));
  EXPECT_TRUE(keys.add(child(0x1001, 0x2009), std::nullopt));  // same inbound SPI twice
}

}  // namespace
}  // namespace vpngw
