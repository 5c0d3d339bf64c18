#include "proto/ike/tunnel_options_schema.hpp"

namespace vpngw {
namespace {

constexpr ConfigKey kIkeOptions[] = {
    {"", "pre_shared_key", "string", "Required. 8-64 letters, digits, `.` and `_`, not starting with `0`."},
    {"", "phase1_encryption_algorithms", "list of strings", "`AES128`, `AES256`, `AES128-GCM-16`, `AES256-GCM-16`. Default: all four."},
    {"", "phase1_integrity_algorithms", "list of strings", "`SHA1`, `SHA2-256`, `SHA2-384`, `SHA2-512`. Default: all four."},
    {"", "phase1_dh_group_numbers", "list of integers", "14-21, 31 (AWS: 2, 14-24; 2 and 22-24 are not implemented). Default: 14-21."},
    {"", "phase2_encryption_algorithms", "list of strings", "As phase 1. Default: all four."},
    {"", "phase2_integrity_algorithms", "list of strings", "As phase 1. Default: all four."},
    {"", "phase2_dh_group_numbers", "list of integers", "As phase 1 (AWS: 2, 5, 14-24); PFS on rekeys. Default: 14-21."},
    {"", "phase1_lifetime_seconds", "integer", "900-28800. Default: `28800`."},
    {"", "phase2_lifetime_seconds", "integer", "900-3600, less than phase 1. Default: `3600`."},
    {"", "rekey_margin_time_seconds", "integer", "60 up to half of phase 2. Default: `540`."},
    {"", "rekey_fuzz_percentage", "integer", "0-100. Default: `100`."},
    {"", "dpd_timeout_seconds", "integer", "30 or more. Default: `40`."},
    {"", "dpd_timeout_action", "string", "`clear`, `none`, `restart`. Default: `\"clear\"`."},
    {"", "startup_action", "string", "`add` (the peer initiates), `start` (vpngw initiates). Default: `\"add\"`."},
    {"", "lab_child_rekey_seconds", "integer", "Not AWS: rekey the Child SA every N s (0: AWS's timers). Default: `0`."},
    {"", "lab_ike_rekey_seconds", "integer", "Not AWS: rekey the IKE SA every N s (0: AWS's timers). Default: `0`."},
};

}  // namespace

std::span<const ConfigKey> ike_option_keys() { return kIkeOptions; }

}  // namespace vpngw
