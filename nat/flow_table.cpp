#include "nat/flow_table.hpp"

#include <bit>

namespace vpngw::nat {
namespace {

constexpr size_t kWordsPerPortMap = 65536 / 64;

uint32_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return uint32_t(x);
}

size_t proto_slot(Proto p) { return p == Proto::tcp ? 0 : p == Proto::udp ? 1 : 2; }

}  // namespace

FlowTable::FlowTable(uint32_t capacity, uint8_t eni_count, Timeouts timeouts)
    : timeouts_(timeouts), eni_count_(eni_count), slots_(capacity) {
  const uint32_t buckets = std::bit_ceil(std::max<uint32_t>(capacity, 16));
  mask_ = buckets - 1;
  inside_heads_.assign(buckets, kNil);
  outside_heads_.assign(buckets, kNil);
  for (uint32_t i = 0; i < capacity; ++i) slots_[i].lru_next = i + 1 < capacity ? i + 1 : kNil;
  free_head_ = capacity ? 0 : kNil;
  lru_head_.fill(kNil);
  lru_tail_.fill(kNil);
  port_bits_.assign(size_t(eni_count) * 3 * kWordsPerPortMap, 0);
  // Port 0 and ICMP id 0 are never handed out.
  for (uint8_t e = 0; e < eni_count; ++e)
    for (Proto p : {Proto::tcp, Proto::udp, Proto::icmp}) set_port(e, p, 0, true);
}

size_t FlowTable::memory_bytes() const {
  return slots_.size() * sizeof(Mapping) + (inside_heads_.size() + outside_heads_.size()) * sizeof(uint32_t) +
         port_bits_.size() * sizeof(uint64_t);
}

uint32_t FlowTable::inside_bucket(uint8_t eni, Proto p, uint32_t addr, uint16_t port) const {
  return mix(uint64_t(addr) << 32 | uint64_t(port) << 16 | uint64_t(p) << 8 | eni) & mask_;
}
uint32_t FlowTable::outside_bucket(uint8_t eni, Proto p, uint16_t port) const {
  return mix(uint64_t(port) << 16 | uint64_t(p) << 8 | eni | 1ull << 63) & mask_;
}

uint32_t FlowTable::find_inside(uint8_t eni, Proto p, uint32_t addr, uint16_t port) const {
  for (uint32_t i = inside_heads_[inside_bucket(eni, p, addr, port)]; i != kNil; i = slots_[i].next_inside) {
    const Mapping& m = slots_[i];
    if (m.inside_addr == addr && m.inside_port == port && m.proto == p && m.eni == eni) return i;
  }
  return kNil;
}

uint32_t FlowTable::find_outside(uint8_t eni, Proto p, uint16_t port) const {
  for (uint32_t i = outside_heads_[outside_bucket(eni, p, port)]; i != kNil; i = slots_[i].next_outside) {
    const Mapping& m = slots_[i];
    if (m.outside_port == port && m.proto == p && m.eni == eni) return i;
  }
  return kNil;
}

uint64_t* FlowTable::ports(uint8_t eni, Proto p) {
  return &port_bits_[(size_t(eni) * 3 + proto_slot(p)) * kWordsPerPortMap];
}
bool FlowTable::port_used(uint8_t eni, Proto p, uint16_t port) { return ports(eni, p)[port >> 6] >> (port & 63) & 1; }
void FlowTable::set_port(uint8_t eni, Proto p, uint16_t port, bool used) {
  uint64_t& w = ports(eni, p)[port >> 6];
  const uint64_t bit = 1ull << (port & 63);
  w = used ? w | bit : w & ~bit;
}

std::optional<uint16_t> FlowTable::allocate_port(uint8_t eni, Proto p, uint16_t wanted) {
  if (!port_used(eni, p, wanted)) return wanted;
  // Same range as the client's port (RFC 4787 REQ-3); ICMP identifiers use the whole space.
  const bool low = p != Proto::icmp && wanted < 1024;
  const uint32_t lo = low ? 1 : (p == Proto::icmp ? 1 : 1024), hi = low ? 1023 : 65535;
  // A few random tries first (cheap while the space is sparse), then a word scan from a random
  // point, which finds any free port in at most 1024 word reads.
  for (int tries = 0; tries < 8; ++tries) {
    rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;
    const uint16_t candidate = uint16_t(lo + rng_ % (hi - lo + 1));
    if (!port_used(eni, p, candidate)) return candidate;
  }
  const uint64_t* bits = ports(eni, p);
  const size_t first_word = lo >> 6, last_word = hi >> 6, words = last_word - first_word + 1;
  const size_t start = first_word + rng_ % words;
  for (size_t k = 0; k < words; ++k) {
    const size_t w = first_word + (start - first_word + k) % words;
    uint64_t free_bits = ~bits[w];
    while (free_bits) {
      const uint32_t port = uint32_t(w * 64 + std::countr_zero(free_bits));
      if (port >= lo && port <= hi) return uint16_t(port);
      free_bits &= free_bits - 1;
    }
  }
  return std::nullopt;
}

void FlowTable::lru_push(uint32_t i, TimeoutClass k) {
  Mapping& m = slots_[i];
  m.klass = k;
  m.lru_next = kNil;
  m.lru_prev = lru_tail_[size_t(k)];
  if (m.lru_prev != kNil) slots_[m.lru_prev].lru_next = i;
  else lru_head_[size_t(k)] = i;
  lru_tail_[size_t(k)] = i;
}

void FlowTable::lru_unlink(uint32_t i) {
  Mapping& m = slots_[i];
  const size_t k = size_t(m.klass);
  if (m.lru_prev != kNil) slots_[m.lru_prev].lru_next = m.lru_next;
  else lru_head_[k] = m.lru_next;
  if (m.lru_next != kNil) slots_[m.lru_next].lru_prev = m.lru_prev;
  else lru_tail_[k] = m.lru_prev;
}

Result<FlowTable::Created, Counter> FlowTable::create(uint8_t eni, Proto p, uint32_t addr, uint16_t port,
                                                      TimeoutClass k, uint32_t now) {
  if (free_head_ == kNil) expire(now);
  if (free_head_ == kNil) return Unexpected(Counter::drop_table_full);
  auto out_port = allocate_port(eni, p, port);
  if (!out_port) {
    expire(now);
    out_port = allocate_port(eni, p, port);
    if (!out_port) return Unexpected(Counter::drop_ports_exhausted);
  }
  const uint32_t i = free_head_;
  free_head_ = slots_[i].lru_next;
  Mapping& m = slots_[i];
  m.inside_addr = addr;
  m.inside_port = port;
  m.outside_port = *out_port;
  m.proto = p;
  m.eni = eni;
  m.tcp_seen = 0;
  m.expires = now + timeouts_.of(k);
  uint32_t& ih = inside_heads_[inside_bucket(eni, p, addr, port)];
  m.next_inside = ih;
  ih = i;
  uint32_t& oh = outside_heads_[outside_bucket(eni, p, *out_port)];
  m.next_outside = oh;
  oh = i;
  set_port(eni, p, *out_port, true);
  lru_push(i, k);
  ++used_;
  return Created{i, *out_port == port};
}

void FlowTable::refresh(uint32_t i, TimeoutClass k, uint32_t now) {
  Mapping& m = slots_[i];
  m.expires = now + timeouts_.of(k);
  if (lru_tail_[size_t(k)] == i && m.klass == k) return;
  lru_unlink(i);
  lru_push(i, k);
}

void FlowTable::remove(uint32_t i) {
  Mapping& m = slots_[i];
  for (uint32_t* link = &inside_heads_[inside_bucket(m.eni, m.proto, m.inside_addr, m.inside_port)]; *link != kNil;
       link = &slots_[*link].next_inside) {
    if (*link == i) { *link = m.next_inside; break; }
  }
  for (uint32_t* link = &outside_heads_[outside_bucket(m.eni, m.proto, m.outside_port)]; *link != kNil;
       link = &slots_[*link].next_outside) {
    if (*link == i) { *link = m.next_outside; break; }
  }
  set_port(m.eni, m.proto, m.outside_port, false);
  lru_unlink(i);
  m.lru_next = free_head_;
  free_head_ = i;
  --used_;
}

size_t FlowTable::expire(uint32_t now) {
  size_t n = 0;
  for (size_t k = 0; k < lru_head_.size(); ++k) {
    // Within a class every mapping has the same timeout, so the list is in expiry order.
    while (lru_head_[k] != kNil && int32_t(slots_[lru_head_[k]].expires - now) <= 0) {
      remove(lru_head_[k]);
      ++n;
    }
  }
  return n;
}

}  // namespace vpngw::nat
