#include "common/ip_prefix.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace vpngw {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4_from_host_order(uint32_t v) {
  IpAddress a;
  a.bytes[0] = uint8_t(v >> 24); a.bytes[1] = uint8_t(v >> 16); a.bytes[2] = uint8_t(v >> 8); a.bytes[3] = uint8_t(v);
  return a;
}

uint32_t IpAddress::v4_host_order() const {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
}

unsigned __int128 IpAddress::v6_host_order() const {
  unsigned __int128 v = 0;
  for (uint8_t b : bytes) v = v << 8 | b;
  return v;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned max_len = addr->v6 ? 128 : 32;
  unsigned len = max_len;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || len > max_len) return std::nullopt;
  }
  IpPrefix p{*addr, uint8_t(len)};
  // Host bits must be zero: "10.0.0.1/8" is almost always a typo worth reporting.
  const unsigned bytes = max_len / 8;
  for (unsigned bit = len; bit < bytes * 8; ++bit) {
    if (p.address.bytes[bit / 8] >> (7 - bit % 8) & 1) return std::nullopt;
  }
  return p;
}

std::string IpPrefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.v6 != address.v6) return false;
  for (unsigned bit = 0; bit < length; ++bit) {
    if ((a.bytes[bit / 8] ^ address.bytes[bit / 8]) >> (7 - bit % 8) & 1) return false;
  }
  return true;
}

}  // namespace vpngw
