// Child SAs as Wireshark's esp_sa lines (what `vpngw lab capture` hands to tshark).
#include <gtest/gtest.h>

#include "proto/ike/wireshark_sa.hpp"

namespace vpngw::ike {
namespace {

TEST(WiresharkEspSa, GcmCarriesKeyAndSaltAndNoAuthentication) {
  ChildSaKeys k;
  k.spi_in = 0xa001;
  k.spi_out = 0xb001;
  k.encr = encr_id::aes_gcm_16;
  k.key_bits = 128;
  k.encr_in = Bytes(20, 0x11);
  k.encr_out = Bytes(20, 0x22);
  const auto lines = wireshark_esp_sa_lines(k);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "\"IPv4\",\"*\",\"*\",\"0x0000a001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x" +
                          std::string(40, '1') + "\",\"NULL\",\"\"");
  EXPECT_NE(lines[1].find("\"0x0000b001\""), std::string::npos);
}

TEST(WiresharkEspSa, CbcNamesItsIntegrityAndKey) {
  ChildSaKeys k;
  k.spi_in = 1;
  k.spi_out = 2;
  k.encr = encr_id::aes_cbc;
  k.integ = integ_id::hmac_sha2_256_128;
  k.encr_in = k.encr_out = Bytes(16, 0xab);
  k.integ_in = k.integ_out = Bytes(32, 0xcd);
  const auto lines = wireshark_esp_sa_lines(k);
  ASSERT_EQ(lines.size(), 2u);
  std::string key = "0x";
  for (int i = 0; i < 16; ++i) key += "ab";
  EXPECT_NE(lines[0].find("\"AES-CBC [RFC3602]\",\"" + key + "\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"HMAC-SHA-256-128 [RFC4868]\",\"0xcdcd"), std::string::npos) << lines[0];
  k.integ = 99;  // nothing Wireshark could name: no lines rather than wrong ones
  EXPECT_TRUE(wireshark_esp_sa_lines(k).empty());
}

}  // namespace
}  // namespace vpngw::ike
