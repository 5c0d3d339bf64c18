// Reading one TOML table strictly, shared by every config file vpngw loads: each key read is
// remembered and the rest are reported as unknown (a misspelt key must not silently fall back to
// a default), and every error names the file, the key, the value and what is allowed.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <set>
#include <string>
#include <vector>
#include <toml++/toml.h>

#include "common/ip_prefix.hpp"
#include "common/config/config_error.hpp"
#include "common/config/config_schema.hpp"

namespace vpngw {

class TableReader {
 public:
  TableReader(const toml::table& t, std::string path, const std::string& source)
      : t_(t), path_(std::move(path)), source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& value, const std::string& allowed) const {
    throw ConfigError(source_ + ": key '" + full(key) + "'" + (value.empty() ? "" : " = " + value) + ": " + allowed);
  }

  std::string full(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }

  const toml::node* node(const std::string& key) {
    seen_.insert(key);
    KeyRecorder::record(source_, path_, key);
    return t_.get(key);
  }

  std::optional<std::string> string(const std::string& key) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    if (auto s = n->value<std::string>(); s && n->is_string()) return *s;
    fail(key, describe(*n), "must be a string");
  }

  std::string required_string(const std::string& key, const std::string& what) {
    auto s = string(key);
    if (!s) fail(key, "", "missing; " + what);
    return *s;
  }

  std::optional<int64_t> integer(const std::string& key, int64_t lo, int64_t hi) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(key, describe(*n), "must be an integer in " + std::to_string(lo) + "-" + std::to_string(hi));
    const int64_t v = *n->value<int64_t>();
    if (v < lo || v > hi) fail(key, std::to_string(v), "allowed range is " + std::to_string(lo) + "-" + std::to_string(hi));
    return v;
  }

  std::optional<bool> boolean(const std::string& key) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(key, describe(*n), "must be true or false");
    return *n->value<bool>();
  }

  const toml::table* table(const std::string& key) {
    const toml::node* n = node(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(key, describe(*n), "must be a table ([" + full(key) + "])");
    return n->as_table();
  }

  const toml::array* array_of_tables(const std::string& key) {
    const toml::node* n = node(key);
    if (!n) return nullptr;
    if (!n->is_array_of_tables()) fail(key, describe(*n), "must be an array of tables ([[" + full(key) + "]])");
    return n->as_array();
  }

  void reject_unknown() const {
    for (const auto& [k, v] : t_) {
      if (!seen_.count(std::string(k.str()))) {
        fail(std::string(k.str()), "", "unknown key (`vpngw reference` lists the keys each file takes)");
      }
    }
  }

  static std::string describe(const toml::node& n) {
    if (auto v = n.value_exact<std::string>()) return "\"" + *v + "\"";
    if (auto v = n.value_exact<int64_t>()) return std::to_string(*v);
    if (auto v = n.value_exact<bool>()) return *v ? "true" : "false";
    if (auto v = n.value_exact<double>()) return std::to_string(*v);
    if (n.is_table()) return "(a table)";
    if (n.is_array()) return "(an array)";
    return "(a date or time)";
  }

 private:
  const toml::table& t_;
  std::string path_;
  const std::string& source_;
  std::set<std::string> seen_;
};

// Parses TOML; a syntax error becomes a ConfigError with file:line:column.
inline toml::table parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw ConfigError(os.str());
  }
}

inline std::string read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline IpAddress parse_address(TableReader& r, const std::string& key, const std::string& text) {
  auto a = IpAddress::parse(text);
  if (!a) r.fail(key, "\"" + text + "\"", "must be an IPv4 or IPv6 address");
  return *a;
}

inline IpPrefix parse_prefix(TableReader& r, const std::string& key, const std::string& text) {
  auto p = IpPrefix::parse(text);
  if (!p) r.fail(key, "\"" + text + "\"", "a prefix with no host bits set, e.g. \"10.2.0.0/16\"");
  return *p;
}

}  // namespace vpngw

namespace vpngw {

// `[management] socket = PATH`: where a process's runtime opens its management socket; empty (the
// table or key left out) means the default path, /run/vpngw/<name>.sock.
inline std::string read_management_table(TableReader& top) {
  const toml::table* m = top.table("management");
  if (!m) return {};
  TableReader r(*m, "management", top.source());
  std::string socket = r.string("socket").value_or("");
  r.reject_unknown();
  return socket;
}

// A list of strings, each read by `one(text)`; `what` says what the list holds, e.g. "prefixes,
// e.g. [\"10.0.0.0/16\"]". Missing: empty.
template <class Parse>
auto parse_string_list(TableReader& r, const std::string& key, const std::string& what, Parse one) {
  std::vector<decltype(one(std::string()))> out;
  const toml::node* n = r.node(key);
  if (!n) return out;
  const toml::array* arr = n->as_array();
  if (!arr) r.fail(key, TableReader::describe(*n), "a list of " + what);
  for (const auto& e : *arr) {
    auto s = e.value_exact<std::string>();
    if (!s) r.fail(key, TableReader::describe(e), "each entry a string: a list of " + what);
    out.push_back(one(*s));
  }
  return out;
}

// Every table of the array of tables `key` in `top` ("vpn_connection" -> vpn_connection[0], ...),
// read by `read(TableReader&)` and then refused if it holds a key `read` did not look at.
template <class Read>
void for_each_table(TableReader& top, const std::string& key, Read&& read) {
  const toml::array* tables = top.array_of_tables(key);
  if (!tables) return;
  for (size_t i = 0; i < tables->size(); ++i) {
    TableReader r(*tables->get(i)->as_table(), top.full(key) + "[" + std::to_string(i) + "]", top.source());
    read(r);
    r.reject_unknown();
  }
}

// The table's required "id", which must not be in `seen` yet (AWS's ids are unique per account).
inline std::string read_unique_id(TableReader& r, std::set<std::string>& seen, const std::string& what) {
  const std::string id = r.required_string("id", "a unique id for this " + what);
  if (!seen.insert(id).second) r.fail("id", "\"" + id + "\"", "ids must be unique in the file");
  return id;
}

// A list of prefix strings, e.g. export = ["10.0.0.0/16", "fd00::/48"].
inline std::vector<IpPrefix> parse_prefix_list(TableReader& r, const std::string& key) {
  return parse_string_list(r, key, "prefixes, e.g. [\"10.0.0.0/16\"]",
                           [&](const std::string& text) { return parse_prefix(r, key, text); });
}

}  // namespace vpngw
