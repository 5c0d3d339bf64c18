// The documented keys of a config file, as data: the reference pages in docs/reference/ are printed
// from it (`vpngw reference NAME`), and tests hold it against the keys the parser really reads
// (KeyRecorder below), so the documentation cannot drift from the code in either direction.
#pragma once

#include <set>
#include <span>
#include <string>
#include <vector>
#include <string_view>
#include <tuple>

namespace vpngw {

struct ConfigKey {
  std::string_view table;  // "" for the top level, "vpc" for [[vpc]], "client_vpn.client" for [[client_vpn.client]]
  std::string_view key;    // "*": any name (e.g. [hosts], whose keys are node names); "": a note on
                           // the table (its text in `doc`, printed before the table's keys)
  std::string_view type;   // "string", "integer 1-65535", "prefix", "table", "array of tables"...
  std::string_view doc;    // what it means, its default, AWS's rule
};

struct ConfigSchema {
  std::string_view name;   // `vpngw reference NAME`
  std::string_view title;
  std::string_view intro;  // markdown, before the tables
  std::vector<ConfigKey> keys;
  std::string_view outro = {};  // markdown, after the tables

  // The (table, key) pairs a parser must read: every key but notes and "*".
  std::set<std::pair<std::string, std::string>> documented() const;
  // Tables whose keys are free-form names ("*").
  std::set<std::string> any_key_tables() const;
};

// The same keys under another table (one set of options read in two places, e.g. IKE options in a
// gateway's [tunnel.ike] and in a Site-to-Site model's [[vpn_connection.tunnel]]).
std::vector<ConfigKey> under_table(std::string_view table, std::span<const ConfigKey> keys);

// The reference page: intro, then one section per table with its keys.
std::string reference_markdown(const ConfigSchema& schema);

// While one is alive on a thread, every key a TableReader on that thread looks up is recorded as
// (source, table, key), with array indices dropped from the table path ("vpc[1]" -> "vpc").
class KeyRecorder {
 public:
  using Key = std::tuple<std::string, std::string, std::string>;
  KeyRecorder();
  ~KeyRecorder();
  KeyRecorder(const KeyRecorder&) = delete;
  KeyRecorder& operator=(const KeyRecorder&) = delete;

  static void record(const std::string& source, const std::string& table_path, const std::string& key);
  // The (table, key) pairs read under one source.
  std::set<std::pair<std::string, std::string>> keys_of(const std::string& source) const;

 private:
  std::set<Key> keys_;
  KeyRecorder* outer_;
};

}  // namespace vpngw
