#include "proto/ike/tunnel_options_config.hpp"

namespace vpngw {
namespace {

std::vector<std::string> parse_string_list(TableReader& r, const std::string& key, const std::string& what) {
  std::vector<std::string> out;
  const toml::node* n = r.node(key);
  const toml::array* arr = n ? n->as_array() : nullptr;
  if (n && !arr) r.fail(key, TableReader::describe(*n), "a list of " + what);
  if (arr)
    for (const auto& e : *arr) {
      auto v = e.value_exact<std::string>();
      if (!v) r.fail(key, TableReader::describe(e), "each entry must be a string: " + what);
      out.push_back(*v);
    }
  if (n && out.empty()) r.fail(key, "[]", "needs at least one of " + what);
  return out;
}

std::vector<uint32_t> parse_dh_groups(TableReader& r, const std::string& key, bool phase2) {
  std::vector<uint32_t> out;
  const toml::node* n = r.node(key);
  const toml::array* arr = n ? n->as_array() : nullptr;
  if (n && !arr) r.fail(key, TableReader::describe(*n), "a list of Diffie-Hellman group numbers, e.g. [14, 19, 20]");
  if (arr)
    for (const auto& e : *arr) {
      auto v = e.value_exact<int64_t>();
      if (!v) r.fail(key, TableReader::describe(e), "each entry must be a group number");
      if (auto why = ike::check_dh_group(uint32_t(*v), phase2)) r.fail(key, std::to_string(*v), *why);
      out.push_back(uint32_t(*v));
    }
  if (n && out.empty()) r.fail(key, "[]", "needs at least one group");
  return out;
}

}  // namespace

ike::TunnelOptions read_ike_options(TableReader& r, bool psk_required) {
  ike::TunnelOptions o;
  if (psk_required) {
    o.pre_shared_key = r.required_string("pre_shared_key", "the tunnel's pre-shared key (PreSharedKey)");
  } else {
    o.pre_shared_key = r.string("pre_shared_key").value_or(ike::random_pre_shared_key());  // AWS's default
  }
  if (auto why = ike::check_pre_shared_key(o.pre_shared_key)) r.fail("pre_shared_key", "(hidden)", *why);
  const std::string enc_names = "AES128, AES256, AES128-GCM-16, AES256-GCM-16";
  const std::string integ_names = "SHA1, SHA2-256, SHA2-384, SHA2-512";
  auto algorithms = [&](const std::string& key, std::vector<std::string>& into, bool encryption) {
    auto v = parse_string_list(r, key, encryption ? enc_names : integ_names);
    for (const auto& name : v)
      if (auto why = encryption ? ike::check_encryption(name) : ike::check_integrity(name)) r.fail(key, "\"" + name + "\"", *why);
    if (!v.empty()) into = v;
  };
  algorithms("phase1_encryption_algorithms", o.phase1_encryption, true);
  algorithms("phase1_integrity_algorithms", o.phase1_integrity, false);
  algorithms("phase2_encryption_algorithms", o.phase2_encryption, true);
  algorithms("phase2_integrity_algorithms", o.phase2_integrity, false);
  if (r.node("phase1_dh_group_numbers")) o.phase1_dh_groups = parse_dh_groups(r, "phase1_dh_group_numbers", false);
  if (r.node("phase2_dh_group_numbers")) o.phase2_dh_groups = parse_dh_groups(r, "phase2_dh_group_numbers", true);
  if (auto v = r.integer("phase1_lifetime_seconds", 0, UINT32_MAX)) o.phase1_lifetime_seconds = uint32_t(*v);
  if (auto v = r.integer("phase2_lifetime_seconds", 0, UINT32_MAX)) o.phase2_lifetime_seconds = uint32_t(*v);
  if (auto v = r.integer("rekey_margin_time_seconds", 0, UINT32_MAX)) o.rekey_margin_time_seconds = uint32_t(*v);
  if (auto v = r.integer("rekey_fuzz_percentage", 0, UINT32_MAX)) o.rekey_fuzz_percentage = uint32_t(*v);
  if (auto v = r.integer("dpd_timeout_seconds", 0, UINT32_MAX)) o.dpd_timeout_seconds = uint32_t(*v);
  if (auto v = r.integer("lab_child_rekey_seconds", 0, 86400)) o.lab_child_rekey_seconds = uint32_t(*v);
  if (auto v = r.integer("lab_ike_rekey_seconds", 0, 86400)) o.lab_ike_rekey_seconds = uint32_t(*v);
  if (auto why = ike::check_lifetimes(o)) throw ConfigError(r.source() + ": [" + r.path() + "] " + *why);
  if (auto a = r.string("dpd_timeout_action")) {
    if (*a == "clear") o.dpd_timeout_action = ike::DpdAction::clear;
    else if (*a == "none") o.dpd_timeout_action = ike::DpdAction::none;
    else if (*a == "restart") o.dpd_timeout_action = ike::DpdAction::restart;
    else r.fail("dpd_timeout_action", "\"" + *a + "\"", "AWS allows clear, none, restart");
  }
  if (auto a = r.string("startup_action")) {
    if (*a == "add") o.startup_action = ike::StartupAction::add;
    else if (*a == "start") o.startup_action = ike::StartupAction::start;
    else r.fail("startup_action", "\"" + *a + "\"", "AWS allows add, start");
  }
  return o;
}


toml::table ike_options_table(const ike::TunnelOptions& o) {
  auto strings = [](const std::vector<std::string>& v) {
    toml::array a;
    for (const auto& s : v) a.push_back(s);
    return a;
  };
  auto groups = [](const std::vector<uint32_t>& v) {
    toml::array a;
    for (uint32_t g : v) a.push_back(int64_t(g));
    return a;
  };
  toml::table t{
      {"pre_shared_key", o.pre_shared_key},
      {"phase1_encryption_algorithms", strings(o.phase1_encryption)},
      {"phase1_integrity_algorithms", strings(o.phase1_integrity)},
      {"phase1_dh_group_numbers", groups(o.phase1_dh_groups)},
      {"phase2_encryption_algorithms", strings(o.phase2_encryption)},
      {"phase2_integrity_algorithms", strings(o.phase2_integrity)},
      {"phase2_dh_group_numbers", groups(o.phase2_dh_groups)},
      {"phase1_lifetime_seconds", int64_t(o.phase1_lifetime_seconds)},
      {"phase2_lifetime_seconds", int64_t(o.phase2_lifetime_seconds)},
      {"rekey_margin_time_seconds", int64_t(o.rekey_margin_time_seconds)},
      {"rekey_fuzz_percentage", int64_t(o.rekey_fuzz_percentage)},
      {"dpd_timeout_seconds", int64_t(o.dpd_timeout_seconds)},
      {"dpd_timeout_action", ike::dpd_action_name(o.dpd_timeout_action)},
      {"startup_action", o.startup_action == ike::StartupAction::start ? "start" : "add"},
  };
  if (o.lab_child_rekey_seconds) t.insert("lab_child_rekey_seconds", int64_t(o.lab_child_rekey_seconds));
  if (o.lab_ike_rekey_seconds) t.insert("lab_ike_rekey_seconds", int64_t(o.lab_ike_rekey_seconds));
  return t;
}

}  // namespace vpngw
