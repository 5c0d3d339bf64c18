// IEEE 802.1Q tags on Ethernet frames, in place and without I/O (the Direct Connect link tags
// each VIF's frames itself: this kernel has no 802.1Q driver).
//
//   untagged:  dst MAC(6) src MAC(6) EtherType(2) payload
//   tagged:    dst MAC(6) src MAC(6) 0x8100(2) TCI(2: PCP 3 bits, DEI 1, VID 12) EtherType(2) payload
//
// A frame read from an AF_PACKET socket may have had its tag taken off by the kernel already
// (skb_vlan_untag on receive): then the VLAN comes in the socket's PACKET_AUXDATA and the frame is
// untagged; frame_vlan() takes either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/result.hpp"

namespace vpngw {

inline constexpr size_t kVlanTagLen = 4;
inline constexpr size_t kEthernetHeaderLen = 14;
inline constexpr uint16_t kTpid8021Q = 0x8100;

enum class VlanDrop : uint8_t {
  short_frame,   // shorter than an Ethernet header (plus the tag, when it is inline)
  untagged,      // no tag inline and none from the kernel
  reserved_vid,  // VID 0 (priority only) or 4095 (reserved): no VIF has them
};

struct FrameVlan {
  uint16_t vid;
  bool inline_tag;  // the tag is still in the frame (strip it before handing the frame on)
};

// The VLAN of a frame from the link. `kernel_vid`: what PACKET_AUXDATA said when its
// TP_STATUS_VLAN_VALID was set.
Result<FrameVlan, VlanDrop> frame_vlan(std::span<const uint8_t> frame, std::optional<uint16_t> kernel_vid);

// Removes an inline tag by moving the two MAC addresses 4 bytes on: the untagged frame starts
// at frame.data() + kVlanTagLen and is frame.size() - kVlanTagLen long. The frame must carry one
// (frame_vlan said inline_tag).
void strip_vlan_tag(std::span<uint8_t> frame);

// Tags an untagged frame that sits at buf + kVlanTagLen (`frame_len` bytes; the 4 bytes before it
// are headroom): the tagged frame starts at buf and is frame_len + kVlanTagLen long. Returns that
// length, or 0 when the frame is shorter than an Ethernet header.
size_t insert_vlan_tag(uint8_t* buf, size_t frame_len, uint16_t vid);

}  // namespace vpngw
