#include "dataplane/sa.hpp"

#include <algorithm>
#include <stdexcept>

namespace vpngw {

SaTable::SaTable(std::vector<TunnelEntry> tunnels, std::vector<std::shared_ptr<InboundSa>> inbound)
    : tunnels_(std::move(tunnels)), inbound_(std::move(inbound)) {
  std::sort(inbound_.begin(), inbound_.end(), [](const auto& a, const auto& b) { return a->spi < b->spi; });
  for (size_t i = 1; i < inbound_.size(); ++i) {
    if (inbound_[i]->spi == inbound_[i - 1]->spi) {
      throw std::invalid_argument("two inbound SAs share SPI " + std::to_string(inbound_[i]->spi));
    }
  }
}

InboundSa* SaTable::find_inbound(uint32_t spi) const {
  auto it = std::lower_bound(inbound_.begin(), inbound_.end(), spi,
                             [](const std::shared_ptr<InboundSa>& sa, uint32_t s) { return sa->spi < s; });
  return it != inbound_.end() && (*it)->spi == spi ? it->get() : nullptr;
}

}  // namespace vpngw
