// 802.1Q in place: a tag found inline or from the kernel, stripped and inserted without touching
// anything but the MACs and the 4 tag bytes.
#include "dataplane/vlan.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vpngw {
namespace {

// dst 02:..:01, src 02:..:02, EtherType IPv4, payload "abcd".
std::vector<uint8_t> untagged() {
  return {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00, 'a', 'b', 'c', 'd'};
}

std::vector<uint8_t> tagged(uint16_t tci) {
  auto f = untagged();
  f.insert(f.begin() + 12, {0x81, 0x00, uint8_t(tci >> 8), uint8_t(tci)});
  return f;
}

TEST(Vlan, TagGoesBetweenTheMacsAndTheEtherType) {
  std::vector<uint8_t> buf(kVlanTagLen);
  const auto frame = untagged();
  buf.insert(buf.end(), frame.begin(), frame.end());
  ASSERT_EQ(insert_vlan_tag(buf.data(), frame.size(), 101), frame.size() + 4);
  EXPECT_EQ(buf, tagged(101));
}

TEST(Vlan, StripGivesBackTheUntaggedFrame) {
  auto f = tagged(0x2000 | 102);  // PCP 1: not part of the VID
  const auto v = frame_vlan(f, std::nullopt);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->vid, 102);
  EXPECT_TRUE(v->inline_tag);
  strip_vlan_tag(f);
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + kVlanTagLen, f.end()), untagged());
}

TEST(Vlan, KernelTakenTagComesFromAuxData) {
  const auto f = untagged();
  const auto v = frame_vlan(f, uint16_t(0xe000 | 300));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->vid, 300);
  EXPECT_FALSE(v->inline_tag);
}

TEST(Vlan, DropsAreTyped) {
  EXPECT_EQ(frame_vlan(untagged(), std::nullopt).error(), VlanDrop::untagged);
  EXPECT_EQ(frame_vlan(std::vector<uint8_t>(13), std::nullopt).error(), VlanDrop::short_frame);
  auto cut = tagged(5);
  cut.resize(15);  // the TPID says tagged, the TCI is cut off
  EXPECT_EQ(frame_vlan(cut, std::nullopt).error(), VlanDrop::short_frame);
  EXPECT_EQ(frame_vlan(tagged(0), std::nullopt).error(), VlanDrop::reserved_vid);
  EXPECT_EQ(frame_vlan(tagged(4095), std::nullopt).error(), VlanDrop::reserved_vid);
  EXPECT_EQ(frame_vlan(untagged(), uint16_t(0)).error(), VlanDrop::reserved_vid);
  std::vector<uint8_t> small(kVlanTagLen + 10);
  EXPECT_EQ(insert_vlan_tag(small.data(), 10, 7), 0u);
}

}  // namespace
}  // namespace vpngw
