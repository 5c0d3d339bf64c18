// A token bucket for policing: admits what the rate and the burst allow, and the caller drops the
// rest (no queue: a policer, as AWS polices hosted Direct Connect speeds and a tunnel's limits).
// Driven by `now` alone, so tests give it a fake clock. One thread per bucket.
#pragma once

#include <algorithm>
#include <cstdint>

namespace vpngw {

class TokenBucket {
 public:
  // `rate` units per second (bytes for a bandwidth, 1 per packet for a packet rate); `burst`
  // units may pass at once after a quiet spell. The bucket starts full.
  TokenBucket(double rate, double burst) : rate_per_ns_(rate / 1e9), burst_(burst), tokens_(burst) {}

  // Takes `cost` units when there are that many; false: police it (drop).
  bool admit(double cost, int64_t now_ns) {
    if (now_ns > last_ns_) {
      tokens_ = std::min(burst_, tokens_ + double(now_ns - last_ns_) * rate_per_ns_);
      last_ns_ = now_ns;
    }
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }

 private:
  double rate_per_ns_;
  double burst_;
  double tokens_;
  int64_t last_ns_ = 0;
};

}  // namespace vpngw
