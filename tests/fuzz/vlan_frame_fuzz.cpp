// Fuzzes what a Direct Connect link's VLAN port does with a frame from the wire: find its VLAN
// (inline, or from the kernel's aux data, chosen by the first byte) and strip an inline tag. Any
// bytes must give a typed drop or a frame inside the buffer.
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "dataplane/vlan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  std::optional<uint16_t> kernel_vid;
  if (data[0] & 1) kernel_vid = uint16_t(data[1] << 8 | data[2]);
  std::vector<uint8_t> frame(data + 3, data + size);
  const auto v = vpngw::frame_vlan(frame, kernel_vid);
  if (!v) return 0;
  if (v->vid == 0 || v->vid > 4094) __builtin_trap();
  if (v->inline_tag) vpngw::strip_vlan_tag(frame);
  // Tag it again, as the other direction does, into a buffer with headroom.
  std::vector<uint8_t> out(frame.size() + vpngw::kVlanTagLen);
  std::memcpy(out.data() + vpngw::kVlanTagLen, frame.data(), frame.size());
  if (vpngw::insert_vlan_tag(out.data(), frame.size(), v->vid) != out.size()) __builtin_trap();
  return 0;
}
