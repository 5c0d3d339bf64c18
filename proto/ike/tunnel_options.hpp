// The IKE half of AWS's VPN TunnelOptions (ModifyVpnTunnelOptions' names, in snake case in our
// TOML), their defaults and allowed values, and the IKE/ESP proposal lists they expand to.
// AWS evaluates proposals from the lowest configured value up, whatever order the peer sends:
// the lists are kept in AWS's canonical order, not the order the user wrote them in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ike/message.hpp"

namespace vpngw::ike {

enum class DpdAction : uint8_t { clear, none, restart };
enum class StartupAction : uint8_t { add, start };

// The well-known ports: IKE starts on 500 and moves to 4500 with NAT-T, where ESP travels in UDP
// behind it (RFC 7296 2.23, RFC 3948).
inline constexpr uint16_t kIkePort = 500;
inline constexpr uint16_t kNattPort = 4500;

struct TunnelOptions {
  std::string pre_shared_key;
  std::vector<std::string> phase1_encryption{"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"};
  std::vector<std::string> phase1_integrity{"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"};
  std::vector<uint32_t> phase1_dh_groups{14, 15, 16, 17, 18, 19, 20, 21};
  std::vector<std::string> phase2_encryption{"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"};
  std::vector<std::string> phase2_integrity{"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"};
  std::vector<uint32_t> phase2_dh_groups{14, 15, 16, 17, 18, 19, 20, 21};
  uint32_t phase1_lifetime_seconds = 28800;
  uint32_t phase2_lifetime_seconds = 3600;
  uint32_t rekey_margin_time_seconds = 540;
  uint32_t rekey_fuzz_percentage = 100;
  uint32_t dpd_timeout_seconds = 40;
  DpdAction dpd_timeout_action = DpdAction::clear;
  StartupAction startup_action = StartupAction::add;
  // Not an AWS option: labs and tests that want to watch vpngw rekey every few seconds instead of
  // after phase2_lifetime_seconds minus the margin. 0: AWS's timers.
  uint32_t lab_child_rekey_seconds = 0;
  uint32_t lab_ike_rekey_seconds = 0;  // the same for the IKE SA (phase 1)
};

// AWS's allowed values, in AWS's order, for messages and validation.
inline constexpr std::string_view kEncryptionNames[] = {"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"};
inline constexpr std::string_view kIntegrityNames[] = {"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"};

// An error message when the value breaks AWS's rule (or needs what vpngw does not implement),
// else nullopt. Each names the rule as AWS states it.
std::optional<std::string> check_pre_shared_key(std::string_view psk);
std::optional<std::string> check_dh_group(uint32_t group, bool phase2);
std::optional<std::string> check_lifetimes(const TunnelOptions& o);
std::optional<std::string> check_encryption(std::string_view name);
std::optional<std::string> check_integrity(std::string_view name);

// AWS's default for a missing PreSharedKey: 32 random letters and digits, not starting with 0.
std::string random_pre_shared_key();

// The proposals the options allow, in AWS's evaluation order. ESP proposals carry one DH
// transform each (PFS on rekeys; ignored for the Child SA inside IKE_AUTH) and offer both
// "no ESN" (first: what most customer gateways send) and ESN.
std::vector<Proposal> ike_proposals(const TunnelOptions& o);
std::vector<Proposal> esp_proposals(const TunnelOptions& o);

const char* dpd_action_name(DpdAction a);

}  // namespace vpngw::ike
