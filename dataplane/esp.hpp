// ESP (RFC 4303) with combined-mode AEAD (RFC 4106, RFC 7634), tunnel mode, as carried in UDP
// (RFC 3948). No I/O here: both directions work in place on a caller's buffer, so tests drive
// them with byte arrays and the workers with their preallocated batch slots.
//
//   0               4               8                      16
//   | SPI           | Seq (low 32)  | IV (= 64-bit seq)    | ciphertext ... | ICV (16) |
//   ciphertext = inner packet | padding 1,2,3.. | pad length | next header (4 or 41)
//   AAD = SPI | Seq, or SPI | Seq high | Seq low with extended sequence numbers.
//
// With AES-CBC + HMAC (RFC 3602, encrypt-then-MAC) the IV is 16 unpredictable bytes (the sequence
// number encrypted under the SA's key), padding fills a
// 16-byte block, and the truncated HMAC over SPI | Seq | IV | ciphertext (| Seq high with ESN,
// not sent) follows:
//   | SPI | Seq (low 32) | IV (16) | ciphertext ... | ICV (12-32) |
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/counters.hpp"
#include "common/result.hpp"
#include "dataplane/sa.hpp"

namespace vpngw {

inline constexpr size_t kEspHeaderLen = 8;
inline constexpr size_t kEspHeadroom = kEspHeaderLen + kAeadIvLen;  // before the inner packet
// The inner packet is placed kEspHeadroom into the buffer; CBC moves it 8 bytes on to make room
// for its longer IV, then pads to a block and appends an ICV of up to 32 bytes.
inline constexpr size_t kEspMaxTailroom = (kCbcBlock - kAeadIvLen) + (kCbcBlock - 1) + 2 + kMaxIcvLen;
inline constexpr size_t kEspMinPacket = kEspHeadroom + 4 + kAeadTagLen;

inline constexpr uint8_t kNextHeaderIpv4 = 4;
inline constexpr uint8_t kNextHeaderIpv6 = 41;

enum class EspError : uint8_t {
  seq_exhausted,  // outbound: the SA may not send again (RFC 4303 3.3.3)
  too_big,        // outbound: no room for the trailer
  crypto,         // outbound: library failure
  malformed,      // inbound: too short or misaligned to be ESP
  replayed,
  too_old,
  bad_icv,
  bad_padding,
};

// The drop counter each error lands in.
Counter counter_for(EspError e, bool outbound);

// buf holds the inner packet at [kEspHeadroom, kEspHeadroom + inner_len); buf.size() is the
// capacity. On success the ESP packet starts at buf[0] and the result is its length.
Result<size_t, EspError> esp_seal(OutboundSa& sa, std::span<uint8_t> buf, size_t inner_len, uint8_t next_header);

// The same with the sequence number and IV chosen by the caller: for known-answer tests, whose
// published packets use an IV that is not the sequence number. Never reuse (seq, iv) under a key.
Result<size_t, EspError> esp_seal_at(OutboundSa& sa, std::span<uint8_t> buf, size_t inner_len, uint8_t next_header,
                                     uint64_t seq, uint64_t iv);

struct EspOpened {
  size_t inner_offset;  // into the packet given to esp_open
  size_t inner_len;
  uint8_t next_header;
  uint64_t seq;  // full 64-bit sequence number
};

// Only reads the SPI, for the table lookup that picks the SA.
Result<uint32_t, EspError> esp_peek_spi(std::span<const uint8_t> packet);

// Replay check, authenticate and decrypt in place, slide the window, strip the trailer.
Result<EspOpened, EspError> esp_open(InboundSa& sa, std::span<uint8_t> packet);

}  // namespace vpngw
