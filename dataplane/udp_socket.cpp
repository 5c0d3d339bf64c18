#include "dataplane/udp_socket.hpp"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace vpngw {
namespace {
constexpr size_t kMaxBatch = 256;
constexpr int kSocketBuffer = 8 << 20;  // bursts of a batch from each worker must not overflow
constexpr size_t kMaxGsoSegments = 64;  // the kernel's UDP_MAX_SEGMENTS is 64 (128 on newer kernels)
constexpr size_t kMaxGsoBytes = 65000;  // a GSO message is still one UDP datagram to the stack
}  // namespace

void UdpSocket::fill_sockaddr(const IpAddress& a, uint16_t port, sockaddr_storage& out, socklen_t& len) {
  std::memset(&out, 0, sizeof out);
  if (a.v6) {
    auto* s = reinterpret_cast<sockaddr_in6*>(&out);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    std::memcpy(&s->sin6_addr, a.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* s = reinterpret_cast<sockaddr_in*>(&out);
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    std::memcpy(&s->sin_addr, a.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  }
}

UdpSocket::UdpSocket(const IpAddress& address, uint16_t port) {
  const std::string where = address.to_string() + ":" + std::to_string(port);
  fd_ = ::socket(address.v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "UDP socket for " + where);
  // FORCE variants ignore rmem_max/wmem_max (we run as root); fall back silently otherwise.
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) < 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  }
  if (::setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) < 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
  }
  sockaddr_storage sa;
  socklen_t len;
  fill_sockaddr(address, port, sa, len);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) < 0) {
    const int err = errno;
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "bind UDP " + where);
  }
  // Probe UDP GSO once; without it every datagram is its own message.
  int seg = 1400;
  gso_ = ::setsockopt(fd_, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg) == 0;
  seg = 0;
  if (gso_) ::setsockopt(fd_, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg);
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

size_t UdpSocket::recv_batch(std::span<Datagram> batch) {
  std::array<mmsghdr, kMaxBatch> msgs;
  std::array<iovec, kMaxBatch> iov;
  const size_t n = std::min(batch.size(), kMaxBatch);
  for (size_t i = 0; i < n; ++i) {
    iov[i] = {batch[i].data, batch[i].len};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = batch[i].peer;
    msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  }
  const int got = ::recvmmsg(fd_, msgs.data(), unsigned(n), MSG_DONTWAIT, nullptr);
  if (got <= 0) return 0;
  for (int i = 0; i < got; ++i) {
    batch[i].len = msgs[i].msg_len;
    batch[i].peer_len = msgs[i].msg_hdr.msg_namelen;
  }
  return size_t(got);
}

size_t UdpSocket::send_batch(std::span<const Datagram> batch) {
  // With UDP GSO, a run of datagrams to the same peer with the same length (the last one may be
  // shorter) leaves in one message: the kernel walks its stack once and segments at the end.
  struct Group {
    size_t first, count;
  };
  std::array<mmsghdr, kMaxBatch> msgs;
  std::array<iovec, kMaxBatch> iov;
  std::array<Group, kMaxBatch> groups;
  alignas(cmsghdr) std::array<std::array<char, CMSG_SPACE(sizeof(uint16_t))>, kMaxBatch> control;
  const size_t n = std::min(batch.size(), kMaxBatch);
  size_t ngroups = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    if (gso_) {
      size_t bytes = batch[i].len;
      while (j < n && j - i < kMaxGsoSegments && (bytes += batch[j].len) <= kMaxGsoBytes &&
             batch[j].peer_len == batch[i].peer_len &&
             std::memcmp(batch[j].peer, batch[i].peer, batch[i].peer_len) == 0 && batch[j].len <= batch[i].len) {
        const bool shorter = batch[j].len < batch[i].len;
        ++j;
        if (shorter) break;  // only the last segment may be shorter
      }
    }
    for (size_t k = i; k < j; ++k) iov[k] = {batch[k].data, batch[k].len};
    mmsghdr& m = msgs[ngroups];
    m = {};
    m.msg_hdr.msg_iov = &iov[i];
    m.msg_hdr.msg_iovlen = j - i;
    m.msg_hdr.msg_name = batch[i].peer;
    m.msg_hdr.msg_namelen = batch[i].peer_len;
    if (j - i > 1) {
      m.msg_hdr.msg_control = control[ngroups].data();
      m.msg_hdr.msg_controllen = control[ngroups].size();
      cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const uint16_t seg = uint16_t(batch[i].len);
      std::memcpy(CMSG_DATA(c), &seg, sizeof seg);
    }
    groups[ngroups++] = {i, j - i};
    i = j;
  }

  size_t next = 0, accepted = 0;
  while (next < ngroups) {
    const int r = ::sendmmsg(fd_, msgs.data() + next, unsigned(ngroups - next), 0);
    if (r > 0) {
      for (int k = 0; k < r; ++k) accepted += groups[next + k].count;
      next += size_t(r);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == ENOBUFS) {
      // Back-pressure instead of loss: wait briefly for room, give up on the batch after that.
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 100) > 0) continue;
      break;
    }
    if (errno == EIO && groups[next].count > 1) {
      // The egress device cannot checksum-offload a GSO send: fall back for good, send singly.
      gso_ = false;
      return accepted + send_batch(batch.subspan(groups[next].first));
    }
    ++next;  // this datagram was refused (unreachable peer, ...): skip it, send the rest
  }
  return accepted;
}

}  // namespace vpngw
