// Choosing a proposal the way AWS does: walk our configured proposals in order (AWS evaluates from
// the lowest configured value up, whatever order the peer sends) and take the first one every
// transform of which the peer also offers in one of its proposals.
#pragma once

#include <optional>
#include <vector>

#include "proto/ike/message.hpp"

namespace vpngw::ike {

struct Chosen {
  Proposal ours;        // the transforms we use (one per type)
  Proposal theirs;      // the peer proposal it matched (its number and SPI)
};

// `ignore_dh`: match without DH transforms (IKE_AUTH's Child SA has no key exchange even when the
// proposals carry a PFS group for later rekeys).
std::optional<Chosen> select_proposal(const std::vector<Proposal>& ours, const std::vector<Proposal>& theirs,
                                      bool ignore_dh = false);

// A one-transform-per-type proposal from names, e.g. {aes_gcm_16 256, prf sha256, dh 19}.
Proposal make_ike_proposal(uint16_t encr, uint16_t key_bits, uint16_t prf, uint16_t integ, uint16_t dh);
Proposal make_esp_proposal(uint16_t encr, uint16_t key_bits, uint16_t integ, bool esn);

}  // namespace vpngw::ike
