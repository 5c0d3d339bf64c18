// A Direct Connect link's VLAN port (`vpngw dx port`): the link (a veth or any Ethernet device)
// carries 802.1Q-tagged frames, and each VIF is a TAP device on this host whose frames get the
// VIF's tag on the way out and lose it on the way in. This kernel has no 802.1Q driver, so the
// AWS end and a customer router that is not vpngw (BIRD) both reach their VIFs through one of
// these: the router runs BGP on the TAP as on any interface. A frame from the link with no tag, a
// reserved VID or a VLAN no VIF has is counted and dropped; a capture on the link (tcpdump -e)
// shows the tags.
//
// Policing (a hosted speed): a token bucket per direction on the tagged frame's length; what it
// refuses is dropped and counted (drop_policed_from_link, drop_policed_to_link).
//
// Two threads: link -> TAPs (an AF_PACKET socket with PACKET_AUXDATA, because the kernel takes the
// tag off a received frame and hands it over beside the data) and TAPs -> link.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/ip_prefix.hpp"
#include "dataplane/packet_loop.hpp"
#include "tun/tun_device.hpp"

namespace vpngw::dx {

struct VifPortConfig {
  uint16_t vlan = 0;
  std::string tap;                // the TAP device made for it
  std::optional<IpPrefix> address;  // put on the TAP (address with its length), which is set up
  uint32_t mtu = 1500;
};

struct VlanPortConfig {
  std::string link;
  std::vector<VifPortConfig> vifs;
  // A hosted connection's speed (or a partner's whole connection, which its hosted VIFs share):
  // each direction of the link is policed to it, the excess dropped, as AWS does. 0: not policed.
  uint64_t police_bits_per_second = 0;
  // What may pass at once after a quiet spell, as time at the policed rate.
  uint32_t police_burst_ms = 100;
};

// "101:dxvif0[:169.254.10.1/30[:9001]]" as `vpngw dx port --vif` takes it; throws
// std::invalid_argument naming the part that is wrong.
VifPortConfig parse_vif_port(const std::string& text);

class VlanPort {
 public:
  // Opens the link socket and makes the TAPs; throws std::system_error naming the device.
  explicit VlanPort(const VlanPortConfig& cfg);
  ~VlanPort();
  VlanPort(const VlanPort&) = delete;
  VlanPort& operator=(const VlanPort&) = delete;

  void start();
  void stop();  // idempotent; joins both threads
  nlohmann::json stats() const;

 private:
  struct Counters {
    std::atomic<uint64_t> frames{0}, bytes{0};
  };
  struct Vif {
    VifPortConfig cfg;
    std::unique_ptr<TunDevice> tap;
    Counters from_link, to_link;
  };
  void run_from_link();
  void run_to_link();
  Vif* vif_for(uint16_t vlan);

  VlanPortConfig cfg_;
  int link_fd_ = -1;
  int link_ifindex_ = 0;
  std::vector<std::unique_ptr<Vif>> vifs_;
  std::atomic<uint64_t> drop_untagged_{0}, drop_unknown_vlan_{0}, drop_reserved_vid_{0}, drop_short_{0}, drop_tap_write_{0},
      drop_link_send_{0}, drop_policed_from_link_{0}, drop_policed_to_link_{0};
  PacketLoop loops_;  // last: its threads stop before the members they use go
};

}  // namespace vpngw::dx
