#include "gateway/tunnel_traffic.hpp"

#include <algorithm>

namespace vpngw {
namespace {

void add(TunnelTraffic& t, const SaCounters& c, bool inbound) {
  (inbound ? t.in_packets : t.out_packets) += c.packets.load(std::memory_order_relaxed);
  (inbound ? t.in_bytes : t.out_bytes) += c.bytes.load(std::memory_order_relaxed);
}

}  // namespace

void TunnelTrafficTotals::observe(const SaTable& table, int64_t now_ns) {
  if (tunnels_.size() < table.tunnels().size()) tunnels_.resize(table.tunnels().size());
  for (size_t i = 0; i < table.tunnels().size(); ++i) {
    const TunnelEntry& e = table.tunnels()[i];
    PerTunnel& t = tunnels_[i];
    if (t.out && t.out != e.outbound)
      t.retired.push_back({std::shared_ptr<const SaCounters>(t.out, &t.out->counters), false, now_ns});
    if (t.in && t.in != e.inbound)
      t.retired.push_back({std::shared_ptr<const SaCounters>(t.in, &t.in->counters), true, now_ns});
    t.out = e.outbound;
    t.in = e.inbound;
  }
}

void TunnelTrafficTotals::fold(int64_t now_ns) {
  for (auto& t : tunnels_) {
    auto old = std::partition(t.retired.begin(), t.retired.end(),
                              [&](const Retired& r) { return now_ns - r.since_ns < kFoldAfterNs; });
    for (auto it = old; it != t.retired.end(); ++it) add(t.base, *it->counters, it->inbound);
    t.retired.erase(old, t.retired.end());
  }
}

TunnelTraffic TunnelTrafficTotals::totals(size_t tunnel) const {
  if (tunnel >= tunnels_.size()) return {};
  const PerTunnel& t = tunnels_[tunnel];
  TunnelTraffic sum = t.base;
  if (t.out) add(sum, t.out->counters, false);
  if (t.in) add(sum, t.in->counters, true);
  for (const auto& r : t.retired) add(sum, *r.counters, r.inbound);
  return sum;
}

}  // namespace vpngw
