// AWS tunnel options expanded into proposals: AWS's order whatever the user wrote, AEAD without an
// integrity transform, PFS groups on ESP, and the PSK rule.
#include <gtest/gtest.h>

#include "proto/ike/proposal_select.hpp"
#include "proto/ike/tunnel_options.hpp"

namespace vpngw::ike {
namespace {

uint16_t id_of(const Proposal& p, uint8_t type) {
  for (const auto& t : p.transforms)
    if (t.type == type) return t.id;
  return 0xffff;
}

TEST(TunnelOptions, IkeProposalsFollowAwsOrderNotTheUsers) {
  TunnelOptions o;
  o.phase1_encryption = {"AES256-GCM-16", "AES128"};
  o.phase1_integrity = {"SHA2-256"};
  o.phase1_dh_groups = {20, 14};
  const auto p = ike_proposals(o);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(id_of(p[0], transform::encr), encr_id::aes_cbc);  // AES128 ranks before AES256-GCM-16
  EXPECT_EQ(id_of(p[0], transform::dh), 14);                  // lowest group first
  EXPECT_EQ(id_of(p[1], transform::dh), 20);
  EXPECT_EQ(id_of(p[0], transform::integ), integ_id::hmac_sha2_256_128);
  EXPECT_EQ(id_of(p[2], transform::encr), encr_id::aes_gcm_16);
  EXPECT_EQ(id_of(p[2], transform::integ), 0xffff);  // AEAD: no integrity transform
  EXPECT_EQ(id_of(p[2], transform::prf), prf_id::hmac_sha2_256);
}

TEST(TunnelOptions, EspProposalsCarryPfsGroupsAndMatchWithoutKe) {
  TunnelOptions o;
  o.phase2_encryption = {"AES128-GCM-16"};
  o.phase2_dh_groups = {19};
  const auto ours = esp_proposals(o);
  ASSERT_EQ(ours.size(), 2u);  // no ESN, then ESN
  EXPECT_EQ(id_of(ours[0], transform::esn), 0);
  EXPECT_EQ(id_of(ours[1], transform::esn), 1);
  EXPECT_EQ(id_of(ours[0], transform::dh), 19);
  // strongSwan's aes128gcm16 without PFS: matches when DH is ignored (IKE_AUTH, or no KE).
  Proposal theirs = make_esp_proposal(encr_id::aes_gcm_16, 128, integ_id::none, false);
  theirs.number = 1;
  EXPECT_TRUE(select_proposal(ours, {theirs}, true));
  EXPECT_FALSE(select_proposal(ours, {theirs}, false));
  theirs.transforms.push_back({transform::dh, 19, {}});
  EXPECT_TRUE(select_proposal(ours, {theirs}, false));
}

TEST(TunnelOptions, PreSharedKeyRule) {
  EXPECT_FALSE(check_pre_shared_key("Aws_Tunnel1.psk"));
  EXPECT_TRUE(check_pre_shared_key("1234567"));
  EXPECT_TRUE(check_pre_shared_key(std::string(65, 'a')));
  EXPECT_TRUE(check_pre_shared_key("0abcdefgh"));
  EXPECT_TRUE(check_pre_shared_key("abc defgh"));
  for (int i = 0; i < 50; ++i) {
    const auto k = random_pre_shared_key();
    EXPECT_EQ(k.size(), 32u);
    EXPECT_FALSE(check_pre_shared_key(k)) << k;
  }
}

}  // namespace
}  // namespace vpngw::ike
