#include "proto/ike/tunnel_options.hpp"

#include <algorithm>

#include <openssl/rand.h>

#include "proto/ike/proposal_select.hpp"

namespace vpngw::ike {
namespace {

struct Encryption {
  std::string_view name;
  uint16_t id, key_bits;
  bool aead;
};
constexpr Encryption kEncryptions[] = {
    {"AES128", encr_id::aes_cbc, 128, false},
    {"AES256", encr_id::aes_cbc, 256, false},
    {"AES128-GCM-16", encr_id::aes_gcm_16, 128, true},
    {"AES256-GCM-16", encr_id::aes_gcm_16, 256, true},
};

struct Integrity {
  std::string_view name;
  uint16_t integ, prf;
};
constexpr Integrity kIntegrities[] = {
    {"SHA1", integ_id::hmac_sha1_96, prf_id::hmac_sha1},
    {"SHA2-256", integ_id::hmac_sha2_256_128, prf_id::hmac_sha2_256},
    {"SHA2-384", integ_id::hmac_sha2_384_192, prf_id::hmac_sha2_384},
    {"SHA2-512", integ_id::hmac_sha2_512_256, prf_id::hmac_sha2_512},
};

template <typename Table>
std::vector<const typename std::remove_extent_t<Table>*> configured(const Table& table, const std::vector<std::string>& names) {
  std::vector<const std::remove_extent_t<Table>*> out;
  for (const auto& e : table)
    if (std::find(names.begin(), names.end(), e.name) != names.end()) out.push_back(&e);
  return out;
}

std::vector<uint32_t> sorted_groups(std::vector<uint32_t> g) {
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

}  // namespace

std::optional<std::string> check_pre_shared_key(std::string_view psk) {
  const std::string rule = "AWS allows 8-64 characters of letters, digits, '.' and '_', not starting with '0'";
  if (psk.size() < 8 || psk.size() > 64) return std::to_string(psk.size()) + " characters; " + rule;
  if (psk.front() == '0') return "starts with '0'; " + rule;
  for (char c : psk)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_')
      return std::string("contains '") + c + "'; " + rule;
  return std::nullopt;
}

std::optional<std::string> check_dh_group(uint32_t group, bool phase2) {
  if (group >= 14 && group <= 21) return std::nullopt;
  if (group == 31) return std::nullopt;  // Curve25519: beyond AWS's list, offered for lab peers
  const std::string aws = phase2 ? "AWS allows 2, 5, 14-24" : "AWS allows 2, 14-24";
  if (group == 2 || group == 5 || (group >= 22 && group <= 24))
    return aws + "; vpngw implements 14-21 (and 31): groups 2, 5 and 22-24 are weak and not implemented";
  return aws + " (vpngw: 14-21 and 31)";
}

std::optional<std::string> check_lifetimes(const TunnelOptions& o) {
  if (o.phase1_lifetime_seconds < 900 || o.phase1_lifetime_seconds > 28800)
    return "phase1_lifetime_seconds = " + std::to_string(o.phase1_lifetime_seconds) + ": AWS allows 900-28800";
  if (o.phase2_lifetime_seconds < 900 || o.phase2_lifetime_seconds > 3600)
    return "phase2_lifetime_seconds = " + std::to_string(o.phase2_lifetime_seconds) + ": AWS allows 900-3600";
  if (o.phase2_lifetime_seconds >= o.phase1_lifetime_seconds)
    return "phase2_lifetime_seconds = " + std::to_string(o.phase2_lifetime_seconds) +
           ": must be less than phase1_lifetime_seconds (" + std::to_string(o.phase1_lifetime_seconds) + ")";
  if (o.rekey_margin_time_seconds < 60 || o.rekey_margin_time_seconds > o.phase2_lifetime_seconds / 2)
    return "rekey_margin_time_seconds = " + std::to_string(o.rekey_margin_time_seconds) +
           ": AWS allows 60 up to half of phase2_lifetime_seconds (" + std::to_string(o.phase2_lifetime_seconds / 2) + ")";
  if (o.rekey_fuzz_percentage > 100)
    return "rekey_fuzz_percentage = " + std::to_string(o.rekey_fuzz_percentage) + ": AWS allows 0-100";
  if (o.dpd_timeout_seconds < 30)
    return "dpd_timeout_seconds = " + std::to_string(o.dpd_timeout_seconds) + ": AWS requires 30 or more";
  return std::nullopt;
}

std::optional<std::string> check_encryption(std::string_view name) {
  for (const auto& e : kEncryptions)
    if (e.name == name) return std::nullopt;
  return "AWS allows AES128, AES256, AES128-GCM-16, AES256-GCM-16";
}

std::optional<std::string> check_integrity(std::string_view name) {
  for (const auto& i : kIntegrities)
    if (i.name == name) return std::nullopt;
  return "AWS allows SHA1, SHA2-256, SHA2-384, SHA2-512";
}

std::string random_pre_shared_key() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  while (key.size() < 32) {
    uint8_t b;
    RAND_bytes(&b, 1);
    if (b >= 248) continue;  // 248 = 4 * 62: keeps the choice uniform
    const char c = kAlphabet[b % 62];
    if (key.empty() && c == '0') continue;
    key.push_back(c);
  }
  return key;
}

std::vector<Proposal> ike_proposals(const TunnelOptions& o) {
  std::vector<Proposal> out;
  const auto integs = configured(kIntegrities, o.phase1_integrity);
  for (const Encryption* e : configured(kEncryptions, o.phase1_encryption))
    for (const Integrity* i : integs)
      for (uint32_t g : sorted_groups(o.phase1_dh_groups))
        // AEAD needs no integrity transform; the integrity choice still names the PRF.
        out.push_back(make_ike_proposal(e->id, e->key_bits, i->prf, e->aead ? uint16_t(integ_id::none) : i->integ, uint16_t(g)));
  return out;
}

std::vector<Proposal> esp_proposals(const TunnelOptions& o) {
  std::vector<Proposal> out;
  const auto integs = configured(kIntegrities, o.phase2_integrity);
  for (bool esn : {false, true})
    for (const Encryption* e : configured(kEncryptions, o.phase2_encryption))
      for (const Integrity* i : integs) {
        if (e->aead && i != integs.front()) break;  // AEAD: one proposal, no integrity transform
        const uint16_t integ = e->aead ? uint16_t(integ_id::none) : i->integ;
        // A rekey without a KE payload is matched with DH ignored (select_proposal), so the
        // PFS groups do not shut out peers that rekey without PFS.
        const auto groups = sorted_groups(o.phase2_dh_groups);
        if (groups.empty()) out.push_back(make_esp_proposal(e->id, e->key_bits, integ, esn));
        for (uint32_t g : groups) {
          Proposal p = make_esp_proposal(e->id, e->key_bits, integ, esn);
          p.transforms.push_back({transform::dh, uint16_t(g), {}});
          out.push_back(std::move(p));
        }
      }
  return out;
}

const char* dpd_action_name(DpdAction a) {
  switch (a) {
    case DpdAction::clear: return "clear";
    case DpdAction::none: return "none";
    case DpdAction::restart: return "restart";
  }
  return "clear";
}

}  // namespace vpngw::ike
