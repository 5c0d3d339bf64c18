// The Client VPN data path, table-driven: every way a datagram can fail ends in its counter, and
// what passes is decrypted, authorized and counted per client.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <vector>

#include "common/bytes.hpp"
#include "dataplane/clientvpn_pipeline.hpp"

namespace vpngw {
namespace {

constexpr uint32_t kClientIp = 0xac100002;  // 172.16.0.2
constexpr uint32_t kVpcHost = 0x0a000114;   // 10.0.1.20
constexpr uint32_t kOtherSubnet = 0x0a000214;  // 10.0.2.20

sockaddr_storage addr(uint32_t ip, uint16_t port) {
  sockaddr_storage s{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(s);
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  v4.sin_addr.s_addr = htonl(ip);
  return s;
}

std::vector<uint8_t> ipv4(uint32_t src, uint32_t dst, size_t payload = 20) {
  std::vector<uint8_t> p(20 + payload, 0);
  p[0] = 0x45;
  store_be16(&p[2], uint16_t(p.size()));
  p[8] = 64;
  p[9] = 17;
  store_be32(&p[12], src);
  store_be32(&p[16], dst);
  return p;
}

struct Fixture {
  std::array<uint8_t, 32> key_c2s{}, key_s2c{};
  std::array<uint8_t, 8> iv_c2s{}, iv_s2c{};
  ClientTable table;
  std::shared_ptr<ClientEntry> entry = std::make_shared<ClientEntry>();
  // The client's side of the keys, to build what it would send.
  std::unique_ptr<ovpn::DataKey> client_seal, client_open;
  uint32_t next_id = 1;

  Fixture() {
    for (size_t i = 0; i < 32; ++i) {
      key_c2s[i] = uint8_t(i);
      key_s2c[i] = uint8_t(100 + i);
    }
    iv_c2s.fill(7);
    iv_s2c.fill(9);
    entry->peer_id = 5;
    entry->address = addr(0xc6336465, 40000);
    entry->tunnel_ip = kClientIp;
    entry->primary = std::make_shared<ClientKeys>(
        0, std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key_s2c, iv_s2c, AeadDirection::seal),
        std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key_c2s, iv_c2s, AeadDirection::open));
    entry->counters = std::make_shared<ClientCounters>();
    auto policy = std::make_shared<AccessPolicy>();
    policy->routes = {{0x0a000000, 16, true}};
    policy->rules = {{0x0a000100, 24, true}, {0x0a000000, 16, false}};
    entry->access = policy;
    table.by_peer_id[5] = entry;
    table.by_tunnel_ip[kClientIp] = entry;
    client_seal = std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key_c2s, iv_c2s, AeadDirection::seal);
    client_open = std::make_unique<ovpn::DataKey>(Cipher::aes_gcm_256, key_s2c, iv_s2c, AeadDirection::open);
  }

  std::vector<uint8_t> from_client(const std::vector<uint8_t>& plain, uint32_t id = 0, uint8_t key_id = 0,
                                   uint32_t peer = 5) {
    std::vector<uint8_t> out(plain.size() + ovpn::kDataV2Overhead);
    const size_t n = ovpn::seal_data_v2(*client_seal, key_id, peer, id ? id : next_id++, plain, out);
    out.resize(n);
    return out;
  }
};

TEST(ClientVpnPipeline, InboundDeliversAuthorizedPacketsAndCountsPerClient) {
  Fixture f;
  auto d = f.from_client(ipv4(kClientIp, kVpcHost));
  auto r = clientvpn_inbound(f.table, d, f.entry->address, 123);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, InboundResult::Kind::ip_packet);
  EXPECT_EQ(r->packet.size(), 40u);
  EXPECT_EQ(load_be32(&r->packet[16]), kVpcHost);
  EXPECT_EQ(f.entry->counters->rx_packets.load(), 1u);
  EXPECT_EQ(f.entry->counters->last_rx_ns.load(), 123u);
}

TEST(ClientVpnPipeline, InboundDropsEndInTheirCounters) {
  Fixture f;
  const auto good = f.from_client(ipv4(kClientIp, kVpcHost), 100);
  auto tampered = good;
  tampered.back() ^= 1;
  auto id_zero = good;  // packet ids start at 1: 0 is refused before decrypting
  store_be32(&id_zero[4], 0);
  struct Case {
    const char* name;
    std::vector<uint8_t> datagram;
    sockaddr_storage from;
    CvpnCounter expected;
  };
  std::vector<Case> cases = {
      {"empty", {}, f.entry->address, CvpnCounter::drop_rx_malformed},
      {"P_DATA_V1", {0x30, 1, 2, 3}, f.entry->address, CvpnCounter::drop_rx_malformed},
      {"short V2", {0x48, 0, 0, 5, 0, 0, 0, 1}, f.entry->address, CvpnCounter::drop_rx_malformed},
      {"unknown peer", f.from_client(ipv4(kClientIp, kVpcHost), 0, 0, 6), f.entry->address,
       CvpnCounter::drop_rx_unknown_peer},
      {"other address", good, addr(0xc6336466, 40000), CvpnCounter::drop_rx_wrong_address},
      {"other port", good, addr(0xc6336465, 40001), CvpnCounter::drop_rx_wrong_address},
      {"unknown key id", f.from_client(ipv4(kClientIp, kVpcHost), 0, 3), f.entry->address,
       CvpnCounter::drop_rx_unknown_key},
      {"packet id 0", id_zero, f.entry->address, CvpnCounter::drop_rx_replay},
      {"tampered", tampered, f.entry->address, CvpnCounter::drop_rx_bad_tag},
      {"spoofed source", f.from_client(ipv4(0xac100003, kVpcHost)), f.entry->address, CvpnCounter::drop_rx_spoofed},
      {"no rule for the group", f.from_client(ipv4(kClientIp, kOtherSubnet)), f.entry->address,
       CvpnCounter::drop_rx_unauthorized},
      {"no route", f.from_client(ipv4(kClientIp, 0x08080808)), f.entry->address, CvpnCounter::drop_rx_unauthorized},
      {"not IPv4", f.from_client({0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
       f.entry->address, CvpnCounter::drop_rx_not_ipv4},
  };
  for (auto& c : cases) {
    auto r = clientvpn_inbound(f.table, c.datagram, c.from, 1);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error(), c.expected) << c.name << ": " << kCvpnCounterInfo[size_t(r.error())].name;
  }
  EXPECT_EQ(f.entry->counters->drop_unauthorized.load(), 2u);
  EXPECT_EQ(f.entry->counters->drop_spoofed.load(), 1u);
  // The good packet still passes once (tampering did not move the window), then is a replay.
  auto copy = good;
  EXPECT_TRUE(clientvpn_inbound(f.table, copy, f.entry->address, 1));
  copy = good;
  auto again = clientvpn_inbound(f.table, copy, f.entry->address, 1);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), CvpnCounter::drop_rx_replay);
}

TEST(ClientVpnPipeline, PingsExitNotificationsAndControlPackets) {
  Fixture f;
  std::vector<uint8_t> ping(ovpn::kPingMagic.begin(), ovpn::kPingMagic.end());
  auto d = f.from_client(ping);
  auto r = clientvpn_inbound(f.table, d, f.entry->address, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, InboundResult::Kind::ping);
  std::vector<uint8_t> exit(ovpn::kOccMagic.begin(), ovpn::kOccMagic.end());
  exit.push_back(ovpn::kOccExit);
  d = f.from_client(exit);
  r = clientvpn_inbound(f.table, d, f.entry->address, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, InboundResult::Kind::exit_notify);
  EXPECT_TRUE(f.entry->counters->exit_notified.load());
  std::vector<uint8_t> control{0x20, 1, 2, 3};
  r = clientvpn_inbound(f.table, control, addr(1, 1), 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, InboundResult::Kind::control);
}

TEST(ClientVpnPipeline, OutboundEncryptsForTheClientOwningTheDestination) {
  Fixture f;
  std::vector<uint8_t> slot(2048);
  const auto packet = ipv4(kVpcHost, kClientIp, 100);
  std::memcpy(slot.data() + kClientVpnHeadroom, packet.data(), packet.size());
  auto r = clientvpn_outbound(f.table, slot, packet.size());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client, f.entry.get());
  std::span<uint8_t> datagram(slot.data(), r->len);
  auto opened = ovpn::open_data_v2(*f.client_open, datagram);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->packet_id, 1u);
  EXPECT_TRUE(std::equal(packet.begin(), packet.end(), opened->plaintext.begin()));
  // Unknown destination and non-IPv4 are counted.
  const auto stray = ipv4(kVpcHost, 0xac100009);
  std::memcpy(slot.data() + kClientVpnHeadroom, stray.data(), stray.size());
  EXPECT_EQ(clientvpn_outbound(f.table, slot, stray.size()).error(), CvpnCounter::drop_tx_no_client);
  slot[kClientVpnHeadroom] = 0x60;
  EXPECT_EQ(clientvpn_outbound(f.table, slot, stray.size()).error(), CvpnCounter::drop_tx_not_ipv4);
  // A keepalive is a sealed ping the client recognises.
  std::vector<uint8_t> buf(128);
  const size_t n = clientvpn_ping(*f.entry, buf);
  ASSERT_GT(n, 0u);
  auto ping = ovpn::open_data_v2(*f.client_open, std::span(buf.data(), n));
  ASSERT_TRUE(ping);
  EXPECT_TRUE(ovpn::is_ping(ping->plaintext));
}

TEST(ClientVpnPipeline, LongestAuthorizationRuleDecides) {
  AccessPolicy p;
  p.routes = {{0, 0, true}};
  p.rules = {{0x0a000000, 8, true}, {0x0a010000, 16, false}, {0x0a010100, 24, true}};
  EXPECT_TRUE(p.allows(0x0a020304));   // only the /8 matches
  EXPECT_FALSE(p.allows(0x0a010203));  // the /16 for another group is more specific
  EXPECT_TRUE(p.allows(0x0a010105));   // the /24 for everyone is more specific still
  EXPECT_FALSE(p.allows(0x08080808));  // no rule at all
  p.routes = {{0x0a000000, 8, true}};
  p.rules.push_back({0, 0, true});
  EXPECT_FALSE(p.allows(0x08080808));  // a rule without a route is not enough
}

}  // namespace
}  // namespace vpngw
