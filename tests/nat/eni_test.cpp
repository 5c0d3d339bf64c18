// The ENI's Ethernet side, table-driven with libtins frames: ARP for its address is answered,
// ARP for others is not; echo to its address is answered; other IPv4 to it goes to the NAT; frames
// for other MACs, other EtherTypes and runts are counted drops; sending resolves the next hop by
// ARP, holds the packet meanwhile and releases it on the reply.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include "common/ip_prefix.hpp"
#include "nat/eni.hpp"
#include "tests/test_util.hpp"

namespace vpngw::nat {
namespace {

using namespace Tins;
using test::to_hex;

const HWAddress<6> kEniMac("02:00:0a:00:01:0a");
const HWAddress<6> kHostMac("52:54:00:00:00:14");
const HWAddress<6> kRouterMac("52:54:00:00:00:01");

struct Recorder : EniOutput {
  std::vector<std::vector<uint8_t>> frames;
  void write_frame(std::span<const uint8_t> f) override { frames.emplace_back(f.begin(), f.end()); }
};

uint32_t ip4(const char* s) { return IpAddress::parse(s)->v4_host_order(); }

struct Fixture {
  Recorder out;
  Eni eni{[] {
            EniConfig c;
            std::copy(kEniMac.begin(), kEniMac.end(), c.mac.begin());
            c.address = ip4("10.0.1.10");
            c.prefix_len = 24;
            c.gateway = ip4("10.0.1.1");
            return c;
          }(),
          out};
};

std::vector<uint8_t> frame(PDU&& pdu) { return pdu.serialize(); }

TEST(Eni, ReceivedFrames) {
  struct Row {
    const char* what;
    std::vector<uint8_t> in;
    std::vector<uint8_t> reply;  // the frame the ENI must send back (empty: none)
    bool to_nat;
    EniCounter counter;
  };
  auto echo = [](const char* src, const char* dst, ICMP::Flags type) {
    ICMP i(type);
    i.id(7);
    i.sequence(1);
    IP ip(dst, src);
    ip.ttl(64);
    return std::move(ip) / i / RawPDU("abc");
  };
  const std::vector<Row> rows = {
      {"ARP who-has the ENI address is answered with the ENI MAC",
       frame(ARP::make_arp_request("10.0.1.10", "10.0.1.20", kHostMac)), frame(ARP::make_arp_reply("10.0.1.20", "10.0.1.10", kHostMac, kEniMac)),
       false, EniCounter::arp_replies_sent},
      {"ARP for another address is not answered",
       frame(ARP::make_arp_request("10.0.1.99", "10.0.1.20", kHostMac)), {}, false, EniCounter::arp_replies_sent},
      {"echo request to the ENI address is answered",
       frame(EthernetII(kEniMac, kHostMac) / echo("10.0.1.20", "10.0.1.10", ICMP::ECHO_REQUEST)),
       frame(EthernetII(kHostMac, kEniMac) / echo("10.0.1.10", "10.0.1.20", ICMP::ECHO_REPLY)), false,
       EniCounter::echo_replies_sent},
      {"UDP to the ENI address goes to the NAT",
       frame(EthernetII(kEniMac, kHostMac) / IP("10.0.1.10", "10.0.1.20") / UDP(5000, 53) / RawPDU("x")), {}, true,
       EniCounter::to_nat},
      {"a frame for another MAC", frame(EthernetII(kRouterMac, kHostMac) / IP("10.0.1.10", "10.0.1.20") / UDP(1, 2)),
       {}, false, EniCounter::drop_not_for_us},
      {"IPv4 for another address", frame(EthernetII(kEniMac, kHostMac) / IP("10.0.1.11", "10.0.1.20") / UDP(1, 2)), {},
       false, EniCounter::drop_not_for_us},
      {"IPv6 is not handled", frame(EthernetII(kEniMac, kHostMac) / IPv6("fd00::1", "fd00::2") / UDP(1, 2)), {}, false,
       EniCounter::drop_unsupported},
      {"a runt frame", std::vector<uint8_t>(10, 0xff), {}, false, EniCounter::drop_malformed},
      {"IPv4 with a total length past the frame", [] {
         auto f = frame(EthernetII(kEniMac, kHostMac) / IP("10.0.1.10", "10.0.1.20") / UDP(1, 2));
         f[16] = 0x40;
         return f;
       }(), {}, false, EniCounter::drop_malformed},
  };
  Fixture f;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    f.out.frames.clear();
    const uint64_t before = f.eni.counter(row.counter);
    std::vector<uint8_t> buf = row.in;
    auto ip = f.eni.receive(buf, 100);
    EXPECT_EQ(!ip.empty(), row.to_nat);
    if (!row.reply.empty()) {
      ASSERT_EQ(f.out.frames.size(), 1u);
      EXPECT_EQ(to_hex(f.out.frames[0]), to_hex(row.reply));
      EXPECT_EQ(f.eni.counter(row.counter), before + 1);
    } else {
      EXPECT_TRUE(f.out.frames.empty());
      if (row.counter != EniCounter::arp_replies_sent) {
        EXPECT_EQ(f.eni.counter(row.counter), before + 1);
      }
    }
  }
}

std::vector<uint8_t> with_room(const std::vector<uint8_t>& ip) {
  std::vector<uint8_t> b(kEthHeader + ip.size(), 0);
  std::copy(ip.begin(), ip.end(), b.begin() + kEthHeader);
  return b;
}

TEST(Eni, SendingResolvesTheNextHopByArpAndHoldsThePacket) {
  Fixture f;
  auto pkt = IP("10.0.1.20", "10.0.1.10") / UDP(53, 5000) / RawPDU("q");
  auto bytes = pkt.serialize();
  auto buf = with_room(bytes);
  f.eni.send(buf, bytes.size(), 100);
  ASSERT_EQ(f.out.frames.size(), 1u);
  EXPECT_EQ(to_hex(f.out.frames[0]), to_hex(frame(ARP::make_arp_request("10.0.1.20", "10.0.1.10", kEniMac))));
  // The reply releases the held packet, addressed to the learned MAC.
  auto reply = frame(ARP::make_arp_reply("10.0.1.10", "10.0.1.20", kEniMac, kHostMac));
  f.eni.receive(reply, 100);
  ASSERT_EQ(f.out.frames.size(), 2u);
  EXPECT_EQ(to_hex(f.out.frames[1]), to_hex(frame(EthernetII(kHostMac, kEniMac) / IP("10.0.1.20", "10.0.1.10") / UDP(53, 5000) / RawPDU("q"))));
  // Known now: the next packet goes straight out.
  auto buf2 = with_room(bytes);
  f.eni.send(buf2, bytes.size(), 101);
  EXPECT_EQ(f.out.frames.size(), 3u);
  EXPECT_EQ(f.eni.counter(EniCounter::frames_sent), 2u);
}

TEST(Eni, OffSubnetGoesToTheGatewayAndTheQueueIsBounded) {
  Fixture f;
  auto bytes = (IP("192.0.2.1", "10.0.1.10") / UDP(53, 5000)).serialize();
  for (int i = 0; i < 40; ++i) {
    auto buf = with_room(bytes);
    f.eni.send(buf, bytes.size(), 100);
  }
  // One ARP request for the gateway in the same second, 16 packets held, the rest counted.
  EXPECT_EQ(f.eni.counter(EniCounter::arp_requests_sent), 1u);
  EXPECT_EQ(to_hex(f.out.frames[0]), to_hex(frame(ARP::make_arp_request("10.0.1.1", "10.0.1.10", kEniMac))));
  EXPECT_EQ(f.eni.counter(EniCounter::drop_arp_queue_full), 24u);
  auto reply = frame(ARP::make_arp_reply("10.0.1.10", "10.0.1.1", kEniMac, kRouterMac));
  f.eni.receive(reply, 100);
  EXPECT_EQ(f.eni.counter(EniCounter::frames_sent), 16u);
}

}  // namespace
}  // namespace vpngw::nat
