#include "tun/tun_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace vpngw {

TunDevice::TunDevice(const std::string& name, size_t queues, DeviceKind kind) : name_(name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw std::invalid_argument("TUN name '" + name + "' must be 1-" + std::to_string(IFNAMSIZ - 1) + " characters");
  }
  if (queues == 0) queues = 1;
  for (size_t q = 0; q < queues; ++q) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open /dev/net/tun for " + name);
    ifreq ifr{};
    ifr.ifr_flags = (kind == DeviceKind::tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI | (queues > 1 ? IFF_MULTI_QUEUE : 0);
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
      const int err = errno;
      ::close(fd);
      for (int f : fds_) ::close(f);
      throw std::system_error(err, std::generic_category(), "TUNSETIFF " + name + " queue " + std::to_string(q));
    }
    fds_.push_back(fd);
  }
}

TunDevice::~TunDevice() {
  for (int fd : fds_) ::close(fd);
}

size_t TunDevice::read_batch(size_t queue, std::span<PacketView> packets) {
  const int fd = fds_[queue];
  size_t n = 0;
  for (; n < packets.size(); ++n) {
    const ssize_t r = ::read(fd, packets[n].data, packets[n].len);
    if (r <= 0) break;  // EAGAIN: queue drained; errors surface as an empty batch
    packets[n].len = size_t(r);
  }
  return n;
}

size_t TunDevice::write_batch(size_t queue, std::span<const PacketView> packets) {
  const int fd = fds_[queue];
  size_t ok = 0;
  for (const auto& p : packets) {
    if (::write(fd, p.data, p.len) == ssize_t(p.len)) ++ok;
  }
  return ok;
}

}  // namespace vpngw
