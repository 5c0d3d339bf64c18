#include "dataplane/replay_window.hpp"

#include <algorithm>

namespace vpngw {

ReplayWindow::ReplayWindow(uint32_t size)
    : size_(std::clamp(size, kMinSize, kMaxSize)), ring_bits_(((size_ + 63) / 64 + 1) * 64) {}

uint64_t ReplayWindow::infer(uint32_t wire_seq, bool esn) const {
  if (!esn) return wire_seq;
  const uint32_t tl = uint32_t(top_);
  const uint32_t th = uint32_t(top_ >> 32);
  const uint32_t bottom = tl - size_ + 1;  // wraps in case B, as the RFC intends
  uint32_t seqh;
  if (tl >= size_ - 1) {
    // Case A: the window lies within one 2^32 epoch.
    seqh = wire_seq >= bottom ? th : th + 1;
  } else {
    // Case B: the window straddles the epoch boundary.
    if (wire_seq >= bottom) {
      if (th == 0) return 0;  // would be before the first packet ever sent
      seqh = th - 1;
    } else {
      seqh = th;
    }
  }
  return uint64_t(seqh) << 32 | wire_seq;
}

bool ReplayWindow::test_bit(uint64_t seq) const {
  const uint64_t bit = seq % ring_bits_;
  return bitmap_[bit / 64] >> (bit % 64) & 1;
}

ReplayWindow::Verdict ReplayWindow::check(uint64_t seq) const {
  if (seq == 0) return Verdict::too_old;  // sequence numbers start at 1 (RFC 4303 3.3.3)
  if (seq > top_) return Verdict::ok;
  if (top_ - seq >= size_) return Verdict::too_old;
  return test_bit(seq) ? Verdict::replayed : Verdict::ok;
}

void ReplayWindow::accept(uint64_t seq) {
  if (seq > top_) {
    // Clear the words the window slides over, then the part of the target word above the old top.
    const uint64_t words = ring_bits_ / 64;
    const uint64_t old_word = top_ / 64;
    const uint64_t new_word = seq / 64;
    const uint64_t advance = std::min<uint64_t>(new_word - old_word, words);
    for (uint64_t i = 1; i <= advance; ++i) bitmap_[(old_word + i) % words] = 0;
    top_ = seq;
  }
  const uint64_t bit = seq % ring_bits_;
  bitmap_[bit / 64] |= uint64_t(1) << (bit % 64);
}

}  // namespace vpngw
