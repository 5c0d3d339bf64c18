#include "proto/ike/proposal_select.hpp"

#include <algorithm>

namespace vpngw::ike {

std::optional<Chosen> select_proposal(const std::vector<Proposal>& ours, const std::vector<Proposal>& theirs,
                                      bool ignore_dh) {
  auto strip = [&](Proposal p) {
    if (ignore_dh) std::erase_if(p.transforms, [](const Transform& t) { return t.type == transform::dh; });
    return p;
  };
  for (const auto& mine_full : ours) {
    const Proposal mine = strip(mine_full);
    for (const auto& peer_full : theirs) {
      const Proposal peer = strip(peer_full);
      if (peer.protocol != mine.protocol) continue;
      const bool all_offered = std::all_of(mine.transforms.begin(), mine.transforms.end(), [&](const Transform& t) {
        return std::find(peer.transforms.begin(), peer.transforms.end(), t) != peer.transforms.end();
      });
      // A transform type the peer requires and we did not configure (say, ESN on) is no match.
      const bool no_extra_type = std::all_of(peer.transforms.begin(), peer.transforms.end(), [&](const Transform& t) {
        return std::any_of(mine.transforms.begin(), mine.transforms.end(), [&](const Transform& m) { return m.type == t.type; });
      });
      if (all_offered && no_extra_type) return Chosen{mine, peer_full};
    }
  }
  return std::nullopt;
}

Proposal make_ike_proposal(uint16_t encr, uint16_t key_bits, uint16_t prf, uint16_t integ, uint16_t dh) {
  Proposal p;
  p.protocol = Protocol::ike;
  p.transforms.push_back({transform::encr, encr, key_bits});
  p.transforms.push_back({transform::prf, prf, {}});
  if (integ != integ_id::none) p.transforms.push_back({transform::integ, integ, {}});
  p.transforms.push_back({transform::dh, dh, {}});
  return p;
}

Proposal make_esp_proposal(uint16_t encr, uint16_t key_bits, uint16_t integ, bool esn) {
  Proposal p;
  p.protocol = Protocol::esp;
  p.transforms.push_back({transform::encr, encr, key_bits});
  if (integ != integ_id::none) p.transforms.push_back({transform::integ, integ, {}});
  p.transforms.push_back({transform::esn, uint16_t(esn ? 1 : 0), {}});
  return p;
}

}  // namespace vpngw::ike
