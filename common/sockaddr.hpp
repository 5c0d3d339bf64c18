// An IPv4 IpAddress and port as the sockets API takes them.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "common/ip_prefix.hpp"

namespace vpngw {

inline sockaddr_in to_sockaddr_v4(const IpAddress& a, uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  std::memcpy(&s.sin_addr, a.bytes.data(), 4);
  return s;
}

}  // namespace vpngw
