#include "dataplane/vlan.hpp"

#include <cstring>

namespace vpngw {

Result<FrameVlan, VlanDrop> frame_vlan(std::span<const uint8_t> frame, std::optional<uint16_t> kernel_vid) {
  if (frame.size() < kEthernetHeaderLen) return Unexpected(VlanDrop::short_frame);
  FrameVlan v{};
  if (kernel_vid) {
    v = {uint16_t(*kernel_vid & 0x0fff), false};
  } else {
    const uint16_t type = uint16_t(frame[12] << 8 | frame[13]);
    if (type != kTpid8021Q) return Unexpected(VlanDrop::untagged);
    if (frame.size() < kEthernetHeaderLen + kVlanTagLen) return Unexpected(VlanDrop::short_frame);
    v = {uint16_t((frame[14] << 8 | frame[15]) & 0x0fff), true};
  }
  if (v.vid == 0 || v.vid == 4095) return Unexpected(VlanDrop::reserved_vid);
  return v;
}

void strip_vlan_tag(std::span<uint8_t> frame) { std::memmove(frame.data() + kVlanTagLen, frame.data(), 12); }

size_t insert_vlan_tag(uint8_t* buf, size_t frame_len, uint16_t vid) {
  if (frame_len < kEthernetHeaderLen) return 0;
  std::memmove(buf, buf + kVlanTagLen, 12);  // the MACs move to the front; the EtherType stays put
  buf[12] = uint8_t(kTpid8021Q >> 8);
  buf[13] = uint8_t(kTpid8021Q & 0xff);
  buf[14] = uint8_t(vid >> 8 & 0x0f);  // PCP 0, DEI 0
  buf[15] = uint8_t(vid);
  return frame_len + kVlanTagLen;
}

}  // namespace vpngw
