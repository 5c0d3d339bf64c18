// The outside UDP socket (port 4500 by default) with batch receive and send (recvmmsg/sendmmsg).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/ip_prefix.hpp"

namespace vpngw {

struct Datagram {
  uint8_t* data;
  size_t len;  // recv: capacity in, length out; send: length
  sockaddr_storage* peer;
  socklen_t peer_len;
};

class UdpSocket {
 public:
  // Binds address:port; throws std::system_error naming them when that fails.
  UdpSocket(const IpAddress& address, uint16_t port);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  // Non-blocking; returns the number of datagrams received (0 when none are waiting).
  size_t recv_batch(std::span<Datagram> batch);
  // Returns how many datagrams the kernel took; the rest are the caller's drops. Uses UDP GSO
  // for runs of equal-length datagrams to one peer when the kernel supports it.
  size_t send_batch(std::span<const Datagram> batch);

  static void fill_sockaddr(const IpAddress& a, uint16_t port, sockaddr_storage& out, socklen_t& len);

 private:
  int fd_ = -1;
  bool gso_ = false;  // UDP_SEGMENT works here (probed at bind, dropped on EIO)
};

}  // namespace vpngw
