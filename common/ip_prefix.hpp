// IPv4/IPv6 addresses and prefixes as plain values, parsed from text with a typed error.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpngw {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4_from_host_order(uint32_t a);
  uint32_t v4_host_order() const;
  unsigned __int128 v6_host_order() const;
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;  // host bits are zero
  uint8_t length = 0;

  // "10.0.0.0/8", "fd00::/8"; a bare address means a host prefix. Rejects host bits set.
  static std::optional<IpPrefix> parse(std::string_view text);
  std::string to_string() const;
  bool contains(const IpAddress& a) const;
  bool operator==(const IpPrefix&) const = default;
};

}  // namespace vpngw
