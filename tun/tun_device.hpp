// A Linux TUN device (IFF_TUN | IFF_NO_PI), or a TAP (IFF_TAP): raw IP packets in and out, one fd per queue
// (IFF_MULTI_QUEUE when queues > 1, so each worker owns a queue). Batch interfaces from the start,
// so offloads (IFF_VNET_HDR + TSO) can arrive later without changing callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vpngw {

struct PacketView {
  uint8_t* data;
  size_t len;  // in: capacity; out: bytes read
};

// TUN carries IP packets; TAP carries Ethernet frames (the ENI-like interface uses one).
enum class DeviceKind { tun, tap };

class TunDevice {
 public:
  // Creates (or attaches to) the device; throws std::system_error naming the device on failure.
  TunDevice(const std::string& name, size_t queues = 1, DeviceKind kind = DeviceKind::tun);
  ~TunDevice();
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  const std::string& name() const { return name_; }
  size_t queues() const { return fds_.size(); }
  int fd(size_t queue) const { return fds_.at(queue); }

  // Reads packets without blocking until `packets` is full or the queue is empty. Each view's len
  // is its capacity on entry and the packet length on return. Returns how many were read.
  size_t read_batch(size_t queue, std::span<PacketView> packets);
  // Writes each packet; returns how many the kernel accepted (errors are counted by the caller).
  size_t write_batch(size_t queue, std::span<const PacketView> packets);

 private:
  std::string name_;
  std::vector<int> fds_;
};

}  // namespace vpngw
