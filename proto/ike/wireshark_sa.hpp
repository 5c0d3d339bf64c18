// A Child SA as lines of Wireshark's ESP SA table (the `esp_sa` UAT file, or tshark's
// `-o uat:esp_sa:LINE`), so a capture of a tunnel decrypts in Wireshark or tshark: one line per
// direction, addresses wildcarded (UDP-encapsulated ESP is matched by SPI). For lab debugging
// only: the lines carry the keys.
#pragma once

#include <string>
#include <vector>

#include "proto/ike/ike_sa.hpp"

namespace vpngw::ike {

// Empty when Wireshark has no name for the transform.
std::vector<std::string> wireshark_esp_sa_lines(const ChildSaKeys& keys);

}  // namespace vpngw::ike
