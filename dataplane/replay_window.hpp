// RFC 4303 anti-replay window with 64-bit extended sequence numbers (ESN, RFC 4303 appendix A).
// Check before decrypting (cheap reject), accept only after the ICV verified: an attacker must
// never be able to move the window with forged packets.
#pragma once

#include <array>
#include <cstdint>

namespace vpngw {

class ReplayWindow {
 public:
  static constexpr uint32_t kMinSize = 64;
  static constexpr uint32_t kMaxSize = 2048;
  static constexpr uint32_t kDefaultSize = 1024;  // AWS's default ReplayWindowSize

  enum class Verdict : uint8_t { ok, replayed, too_old };

  // size must be in [kMinSize, kMaxSize]; the config layer rejects anything else.
  explicit ReplayWindow(uint32_t size = kDefaultSize);

  uint32_t size() const { return size_; }
  uint64_t highest() const { return top_; }

  // Full 64-bit sequence number for the low 32 bits seen on the wire (RFC 4303 A2.2). Without
  // ESN the low bits are the number. Returns 0 (never valid) when the guess falls below zero.
  uint64_t infer(uint32_t wire_seq, bool esn) const;
  Verdict check(uint64_t seq) const;
  void accept(uint64_t seq);

 private:
  static constexpr uint32_t kWords = kMaxSize / 64 + 1;  // one spare word so a full window fits

  bool test_bit(uint64_t seq) const;

  uint32_t size_;
  uint32_t ring_bits_;  // bits used in the ring: whole words covering size, plus one spare
  uint64_t top_ = 0;    // highest accepted sequence number; 0 = nothing accepted yet
  std::array<uint64_t, kWords> bitmap_{};
};

}  // namespace vpngw
