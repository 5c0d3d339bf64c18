#include "measure/udp_spray.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace vpngw::measure {

SprayResult spray_udp(const SprayPlan& plan) {
  if (plan.to.v6 || plan.first_source.v6) throw std::invalid_argument("spray: IPv4 addresses only");
  if (plan.sources == 0 || plan.flows == 0) throw std::invalid_argument("spray: sources and flows must be at least 1");
  const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);  // IPPROTO_RAW implies IP_HDRINCL
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "spray: raw socket");
  int sndbuf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  constexpr size_t kBatch = 64, kPayload = 18, kLen = 20 + 8 + kPayload;
  std::vector<uint8_t> packets(kBatch * kLen);
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr, plan.to.bytes.data(), 4);
  const uint32_t base = plan.first_source.v4_host_order();
  SprayResult r;
  uint64_t next = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(plan.seconds);
  while (std::chrono::steady_clock::now() < end && r.sent < plan.max_packets) {
    const size_t batch = size_t(std::min<uint64_t>(kBatch, plan.max_packets - r.sent));
    for (size_t b = 0; b < batch; ++b, ++next) {
      const uint32_t flow = uint32_t(next % plan.flows);
      uint8_t* p = &packets[b * kLen];
      std::memset(p, 0, kLen);
      // The kernel fills in the IPv4 total length, ID and header checksum of a raw socket's packet.
      p[0] = 0x45;
      p[8] = 64;
      p[9] = IPPROTO_UDP;
      const uint32_t src = htonl(base + flow % plan.sources);
      std::memcpy(p + 12, &src, 4);
      std::memcpy(p + 16, plan.to.bytes.data(), 4);
      const uint16_t sport = htons(uint16_t(1024 + (flow / plan.sources) % 64512)), dport = htons(plan.port),
                     udp_len = htons(uint16_t(8 + kPayload));
      std::memcpy(p + 20, &sport, 2);
      std::memcpy(p + 22, &dport, 2);
      std::memcpy(p + 24, &udp_len, 2);  // UDP checksum 0: none
      iov[b] = {p, kLen};
      msgs[b].msg_hdr = {};
      msgs[b].msg_hdr.msg_name = &to;
      msgs[b].msg_hdr.msg_namelen = sizeof to;
      msgs[b].msg_hdr.msg_iov = &iov[b];
      msgs[b].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::sendmmsg(fd, msgs.data(), unsigned(batch), 0);
    if (n > 0) r.sent += uint64_t(n);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  return r;
}

}  // namespace vpngw::measure
