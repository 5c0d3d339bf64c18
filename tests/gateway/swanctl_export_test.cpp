// The exported customer-gateway config: AWS option names become strongSwan's proposal syntax, in
// the order vpngw evaluates them, and every IKE-keyed tunnel gets its connection and secret.
#include <gtest/gtest.h>

#include "gateway/swanctl_export.hpp"

namespace vpngw::ike {
namespace {

TEST(SwanctlExport, ProposalsInStrongSwanSyntax) {
  TunnelOptions o;
  o.phase1_encryption = {"AES256-GCM-16", "AES128"};
  o.phase1_integrity = {"SHA2-256", "SHA1"};
  o.phase1_dh_groups = {20, 14};
  EXPECT_EQ(strongswan_ike_proposals(o), "aes128-sha1-sha256-modp2048-ecp384,aes256gcm16-prfsha1-prfsha256-modp2048-ecp384");
  o.phase2_encryption = {"AES128-GCM-16"};
  o.phase2_dh_groups = {19};
  EXPECT_EQ(strongswan_esp_proposals(o), "aes128gcm16-ecp256");  // AEAD ESP names no integrity
}

TEST(SwanctlExport, OneConnectionAndSecretPerIkeTunnel) {
  const auto cfg = parse_gateway_config(R"toml(
[outside]
address = "198.51.100.1"
[[tunnel]]
name = "tunnel1"
peer = "198.51.100.2"
[tunnel.ike]
pre_shared_key = "Aws_Tunnel1.psk"
phase2_lifetime_seconds = 1800
rekey_margin_time_seconds = 300
rekey_fuzz_percentage = 50
)toml", "aws.toml");
  const std::string conf = swanctl_config(cfg, {});
  for (const char* want : {"local_addrs = 198.51.100.2", "remote_addrs = 198.51.100.1", "rekey_time = 1500s",
                           "life_time = 1800s", "rand_time = 150s", "secret = \"Aws_Tunnel1.psk\"", "local_ts = 0.0.0.0/0"})
    EXPECT_NE(conf.find(want), std::string::npos) << want << " missing from:\n" << conf;
  EXPECT_THROW(swanctl_config(cfg, {"tunnel9"}), ConfigError);
}

}  // namespace
}  // namespace vpngw::ike
