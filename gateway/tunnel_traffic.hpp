// Per-tunnel traffic totals that survive rekeys: AWS's TunnelDataIn (bytes after decryption) and
// TunnelDataOut (bytes before encryption) count for the tunnel's life, while the data plane counts
// per SA and a rekey brings fresh SAs. An SA that leaves the table keeps counting for a while
// (in-flight packets, the lingering old inbound SA), so it is folded into the base only after
// kFoldAfterNs. Control-plane thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/sa.hpp"

namespace vpngw {

struct TunnelTraffic {
  uint64_t in_packets = 0, in_bytes = 0, out_packets = 0, out_bytes = 0;
};

class TunnelTrafficTotals {
 public:
  static constexpr int64_t kFoldAfterNs = 5'000'000'000;

  // After each SA table publish: SAs no longer in `table` start retiring.
  void observe(const SaTable& table, int64_t now_ns);
  // Folds SAs retired long enough ago; call periodically.
  void fold(int64_t now_ns);
  TunnelTraffic totals(size_t tunnel) const;

 private:
  struct Retired {
    std::shared_ptr<const SaCounters> counters;  // aliasing pointer into the SA
    bool inbound = false;
    int64_t since_ns = 0;
  };
  struct PerTunnel {
    TunnelTraffic base;
    std::shared_ptr<OutboundSa> out;
    std::shared_ptr<InboundSa> in;
    std::vector<Retired> retired;
  };
  std::vector<PerTunnel> tunnels_;
};

}  // namespace vpngw
