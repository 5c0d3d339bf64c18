// The check every schema test makes: the keys a parser looked up (KeyRecorder) are exactly the keys
// its schema documents, free-form tables ("*") aside.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/config/config_schema.hpp"

namespace vpngw::test {

inline void expect_documents_exactly(const ConfigSchema& schema, const KeyRecorder& recorder, const std::string& source) {
  auto read_keys = recorder.keys_of(source);
  const auto any = schema.any_key_tables();
  std::erase_if(read_keys, [&](const auto& k) { return any.count(k.first) > 0; });
  const auto documented = schema.documented();
  for (const auto& k : documented)
    EXPECT_TRUE(read_keys.count(k)) << schema.name << ": documented but never read: [" << k.first << "] " << k.second;
  for (const auto& k : read_keys)
    EXPECT_TRUE(documented.count(k)) << schema.name << ": read but not documented: [" << k.first << "] " << k.second;
}

}  // namespace vpngw::test
