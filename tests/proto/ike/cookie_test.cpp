// Stateless IKE cookies: bound to the initiator's SPI, nonce and address; the previous secret
// still counts after a rotation, older ones do not.
#include <gtest/gtest.h>

#include "proto/ike/cookie.hpp"

namespace vpngw::ike {
namespace {

TEST(CookieJar, BoundToSpiNonceAndAddress) {
  CookieJar jar;
  const std::vector<uint8_t> ni(32, 7);
  const auto c = jar.make(0x1111, ni, 0xc6336402);
  EXPECT_TRUE(jar.valid(c, 0x1111, ni, 0xc6336402));
  EXPECT_FALSE(jar.valid(c, 0x1112, ni, 0xc6336402));
  EXPECT_FALSE(jar.valid(c, 0x1111, std::vector<uint8_t>(32, 8), 0xc6336402));
  EXPECT_FALSE(jar.valid(c, 0x1111, ni, 0xc6336403)) << "a spoofed source never saw the cookie";
  auto forged = c;
  forged.back() ^= 1;
  EXPECT_FALSE(jar.valid(forged, 0x1111, ni, 0xc6336402));
  EXPECT_FALSE(jar.valid({c.data(), 10}, 0x1111, ni, 0xc6336402));
}

TEST(CookieJar, PreviousSecretStillCountsAfterOneRotation) {
  CookieJar jar;
  const std::vector<uint8_t> ni(16, 1);
  const auto c = jar.make(9, ni, 1);
  jar.rotate();
  EXPECT_TRUE(jar.valid(c, 9, ni, 1));
  EXPECT_NE(jar.make(9, ni, 1), c);
  jar.rotate();
  EXPECT_FALSE(jar.valid(c, 9, ni, 1));
}

}  // namespace
}  // namespace vpngw::ike
