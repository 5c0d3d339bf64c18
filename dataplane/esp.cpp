#include "dataplane/esp.hpp"

#include <cstring>

#include "common/bytes.hpp"

namespace vpngw {
namespace {

// AAD for combined-mode ciphers (RFC 4106 section 5, RFC 7634 section 2.1).
size_t build_aad(uint8_t aad[12], uint32_t spi, uint64_t seq, bool esn) {
  store_be32(aad, spi);
  if (!esn) {
    store_be32(aad + 4, uint32_t(seq));
    return 8;
  }
  store_be32(aad + 4, uint32_t(seq >> 32));
  store_be32(aad + 8, uint32_t(seq));
  return 12;
}

constexpr size_t kCbcHeadroom = kEspHeaderLen + kCbcBlock;

// Self-describing padding 1, 2, 3... then pad length and next header (RFC 4303 2.4).
void write_trailer(uint8_t* trailer, size_t pad, uint8_t next_header) {
  for (size_t i = 0; i < pad; ++i) trailer[i] = uint8_t(i + 1);
  trailer[pad] = uint8_t(pad);
  trailer[pad + 1] = next_header;
}

struct Trailer {
  size_t inner_len;
  uint8_t next_header;
};

// The decrypted payload's trailer, checked byte for byte.
Result<Trailer, EspError> read_trailer(const uint8_t* ct, size_t ct_len) {
  const uint8_t pad = ct[ct_len - 2];
  const uint8_t next_header = ct[ct_len - 1];
  if (size_t(pad) + 2 > ct_len) return Unexpected(EspError::bad_padding);
  const size_t inner_len = ct_len - 2 - pad;
  for (size_t i = 0; i < pad; ++i)
    if (ct[inner_len + i] != uint8_t(i + 1)) return Unexpected(EspError::bad_padding);
  return Trailer{inner_len, next_header};
}

// The full sequence number, or why the window refuses it (checked before any crypto).
Result<uint64_t, EspError> check_replay(InboundSa& sa, const uint8_t* packet) {
  const uint64_t seq = sa.window.infer(load_be32(packet + 4), sa.esn);
  switch (sa.window.check(seq)) {
    case ReplayWindow::Verdict::ok: return seq;
    case ReplayWindow::Verdict::replayed: return Unexpected(EspError::replayed);
    case ReplayWindow::Verdict::too_old: return Unexpected(EspError::too_old);
  }
  return Unexpected(EspError::replayed);
}

std::optional<uint32_t> seq_hi(uint64_t seq, bool esn) {
  return esn ? std::optional<uint32_t>(uint32_t(seq >> 32)) : std::nullopt;
}

Result<size_t, EspError> seal_cbc(OutboundSa& sa, std::span<uint8_t> buf, size_t inner_len, uint8_t next_header,
                                  uint64_t seq) {
  CbcHmacContext& c = *sa.cbc;
  const size_t pad = (kCbcBlock - (inner_len + 2) % kCbcBlock) % kCbcBlock;
  const size_t ct_len = inner_len + pad + 2;
  const size_t total = kCbcHeadroom + ct_len + c.icv_len();
  if (total > buf.size()) return Unexpected(EspError::too_big);
  uint8_t* p = buf.data();
  std::memmove(p + kCbcHeadroom, p + kEspHeadroom, inner_len);
  store_be32(p, sa.spi);
  store_be32(p + 4, uint32_t(seq));
  if (!c.make_iv(seq, p + kEspHeaderLen)) return Unexpected(EspError::crypto);
  write_trailer(p + kCbcHeadroom + inner_len, pad, next_header);
  if (!c.encrypt(p + kEspHeaderLen, {p + kCbcHeadroom, ct_len}) ||
      !c.icv({p, kCbcHeadroom + ct_len}, seq_hi(seq, sa.esn), p + kCbcHeadroom + ct_len))
    return Unexpected(EspError::crypto);
  return total;
}

Result<EspOpened, EspError> open_cbc(InboundSa& sa, std::span<uint8_t> packet) {
  CbcHmacContext& c = *sa.cbc;
  if (packet.size() < kCbcHeadroom + kCbcBlock + c.icv_len()) return Unexpected(EspError::malformed);
  const size_t ct_len = packet.size() - kCbcHeadroom - c.icv_len();
  if (ct_len % kCbcBlock != 0) return Unexpected(EspError::malformed);
  uint8_t* p = packet.data();
  auto checked = check_replay(sa, p);
  if (!checked) return Unexpected(checked.error());
  const uint64_t seq = checked.value();
  // Encrypt-then-MAC: authenticate before touching the ciphertext.
  if (!c.verify({p, kCbcHeadroom + ct_len}, seq_hi(seq, sa.esn), p + kCbcHeadroom + ct_len))
    return Unexpected(EspError::bad_icv);
  sa.window.accept(seq);
  uint8_t* ct = p + kCbcHeadroom;
  if (!c.decrypt(p + kEspHeaderLen, {ct, ct_len})) return Unexpected(EspError::crypto);
  auto trailer = read_trailer(ct, ct_len);
  if (!trailer) return Unexpected(trailer.error());
  return EspOpened{kCbcHeadroom, trailer->inner_len, trailer->next_header, seq};
}

}  // namespace

Counter counter_for(EspError e, bool outbound) {
  switch (e) {
    case EspError::seq_exhausted: return Counter::drop_tx_seq_exhausted;
    case EspError::too_big: return Counter::drop_tx_too_big;
    case EspError::crypto: return outbound ? Counter::drop_tx_crypto : Counter::drop_rx_bad_icv;
    case EspError::malformed: return Counter::drop_rx_malformed;
    case EspError::replayed: return Counter::drop_rx_replay;
    case EspError::too_old: return Counter::drop_rx_too_old;
    case EspError::bad_icv: return Counter::drop_rx_bad_icv;
    case EspError::bad_padding: return Counter::drop_rx_bad_padding;
  }
  return Counter::drop_rx_malformed;
}

Result<size_t, EspError> esp_seal(OutboundSa& sa, std::span<uint8_t> buf, size_t inner_len, uint8_t next_header) {
  if (kEspHeadroom + inner_len + kEspMaxTailroom > buf.size()) return Unexpected(EspError::too_big);
  // Sequence numbers never repeat under one key: past the last one the SA refuses to send.
  const uint64_t seq = sa.last_seq.fetch_add(1, std::memory_order_relaxed) + 1;
  if (seq == 0 || (!sa.esn && seq > UINT32_MAX)) {
    sa.last_seq.store(sa.esn ? UINT64_MAX : UINT32_MAX, std::memory_order_relaxed);
    return Unexpected(EspError::seq_exhausted);
  }
  if (sa.cbc) return seal_cbc(sa, buf, inner_len, next_header, seq);
  // The counter is a unique IV, as RFC 4106 section 3.1 suggests.
  return esp_seal_at(sa, buf, inner_len, next_header, seq, seq);
}

Result<size_t, EspError> esp_seal_at(OutboundSa& sa, std::span<uint8_t> buf, size_t inner_len, uint8_t next_header,
                                     uint64_t seq, uint64_t iv) {
  if (!sa.aead) return Unexpected(EspError::crypto);  // known-answer sealing is for AEAD SAs
  // Pad so that inner + pad + 2 is a multiple of 4 (RFC 4303 2.4; AEAD block size is 1).
  const size_t pad = (4 - (inner_len + 2) % 4) % 4;
  const size_t ct_len = inner_len + pad + 2;
  const size_t total = kEspHeadroom + ct_len + kAeadTagLen;
  if (total > buf.size()) return Unexpected(EspError::too_big);

  uint8_t* p = buf.data();
  store_be32(p, sa.spi);
  store_be32(p + 4, uint32_t(seq));
  store_be64(p + kEspHeaderLen, iv);
  write_trailer(p + kEspHeadroom + inner_len, pad, next_header);

  uint8_t aad[12];
  const size_t aad_len = build_aad(aad, sa.spi, seq, sa.esn);
  if (!sa.aead->seal(p + kEspHeaderLen, {aad, aad_len}, {p + kEspHeadroom, ct_len}, p + kEspHeadroom + ct_len)) {
    return Unexpected(EspError::crypto);
  }
  return total;
}

Result<uint32_t, EspError> esp_peek_spi(std::span<const uint8_t> packet) {
  if (packet.size() < kEspMinPacket) return Unexpected(EspError::malformed);
  return load_be32(packet.data());
}

Result<EspOpened, EspError> esp_open(InboundSa& sa, std::span<uint8_t> packet) {
  if (sa.cbc) return open_cbc(sa, packet);
  if (packet.size() < kEspMinPacket) return Unexpected(EspError::malformed);
  const size_t ct_len = packet.size() - kEspHeadroom - kAeadTagLen;
  if (ct_len % 4 != 0) return Unexpected(EspError::malformed);  // RFC 4303 2.4 alignment

  uint8_t* p = packet.data();
  auto checked = check_replay(sa, p);
  if (!checked) return Unexpected(checked.error());
  const uint64_t seq = checked.value();

  uint8_t aad[12];
  const size_t aad_len = build_aad(aad, sa.spi, seq, sa.esn);
  uint8_t* ct = p + kEspHeadroom;
  if (!sa.aead->open(p + kEspHeaderLen, {aad, aad_len}, {ct, ct_len}, ct + ct_len)) {
    return Unexpected(EspError::bad_icv);
  }
  // Authentic: only now may the window move (RFC 4303 3.4.3).
  sa.window.accept(seq);
  auto trailer = read_trailer(ct, ct_len);
  if (!trailer) return Unexpected(trailer.error());
  return EspOpened{kEspHeadroom, trailer->inner_len, trailer->next_header, seq};
}

}  // namespace vpngw
