#include "proto/ike/tunnel_keys.hpp"

#include <algorithm>

namespace vpngw {

namespace {

std::optional<Integrity> integrity_for(uint16_t integ) {
  switch (integ) {
    case ike::integ_id::hmac_sha1_96: return Integrity::hmac_sha1_96;
    case ike::integ_id::hmac_sha2_256_128: return Integrity::hmac_sha256_128;
    case ike::integ_id::hmac_sha2_384_192: return Integrity::hmac_sha384_192;
    case ike::integ_id::hmac_sha2_512_256: return Integrity::hmac_sha512_256;
    default: return std::nullopt;
  }
}

}  // namespace

Result<SaPair, std::string> make_sa_pair(const ike::ChildSaKeys& k, uint32_t replay_window) {
  const bool bits_ok = k.key_bits == 128 || k.key_bits == 256;
  if (k.encr == ike::encr_id::aes_gcm_16 && k.integ == ike::integ_id::none && bits_ok) {
    const Cipher c = k.key_bits == 128 ? Cipher::aes_gcm_128 : Cipher::aes_gcm_256;
    return SaPair{std::make_shared<InboundSa>(k.spi_in, c, k.encr_in, k.esn, replay_window),
                  std::make_shared<OutboundSa>(k.spi_out, c, k.encr_out, k.esn)};
  }
  const auto integ = integrity_for(k.integ);
  if (k.encr == ike::encr_id::aes_cbc && integ && bits_ok)
    return SaPair{std::make_shared<InboundSa>(k.spi_in, CbcHmacKeys{k.encr_in, *integ, k.integ_in}, k.esn, replay_window),
                  std::make_shared<OutboundSa>(k.spi_out, CbcHmacKeys{k.encr_out, *integ, k.integ_out}, k.esn)};
  return Unexpected(std::string("ESP transform ") + std::to_string(k.encr) + "/" + std::to_string(k.key_bits) +
                    " with integrity " + std::to_string(k.integ) + " is not in the data plane");
}

TunnelKeys::Child* TunnelKeys::find(uint32_t spi_in) {
  for (auto& c : children_)
    if (c.spi_in == spi_in) return &c;
  return nullptr;
}

void TunnelKeys::use_for_outbound(const Child& c) {
  outbound_ = c.out;
  outbound_spi_in_ = c.spi_in;
}

std::optional<std::string> TunnelKeys::add(const ike::ChildSaKeys& keys, std::optional<uint32_t> rekeys_spi_in) {
  if (find(keys.spi_in)) return "inbound SPI " + std::to_string(keys.spi_in) + " is already installed";
  auto sas = make_sa_pair(keys, replay_window_);
  if (!sas) return sas.error();
  Child c{keys.spi_in, keys.spi_out, sas->in, sas->out, 0};
  const Child* old = rekeys_spi_in ? find(*rekeys_spi_in) : nullptr;
  // After our own rekey the peer installed both directions before answering: switch at once.
  if (old && old->linger_until_ns == 0 && outbound_spi_in_ == old->spi_in && !keys.we_initiated) {
    pending_ = Pending{c.spi_in, old->spi_in};  // make before break: keep sending on the old SA
  } else {
    use_for_outbound(c);
  }
  children_.push_back(std::move(c));
  return std::nullopt;
}

void TunnelKeys::remove(uint32_t spi_in, int64_t now_ns) {
  Child* c = find(spi_in);
  if (!c || c->linger_until_ns != 0) return;
  c->linger_until_ns = now_ns + kLingerNs;
  if (pending_ && pending_->old_spi_in == spi_in) {
    // The peer deleted the SA it rekeyed: it has the new keys.
    if (Child* n = find(pending_->new_spi_in)) use_for_outbound(*n);
    pending_.reset();
  } else if (pending_ && pending_->new_spi_in == spi_in) {
    pending_.reset();
  }
  if (outbound_spi_in_ == spi_in) {
    // Fall back to the newest Child SA still live, if any.
    outbound_.reset();
    outbound_spi_in_ = 0;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it)
      if (it->linger_until_ns == 0) {
        use_for_outbound(*it);
        break;
      }
  }
}

void TunnelKeys::clear(int64_t now_ns) {
  for (auto& c : children_)
    if (c.linger_until_ns == 0) c.linger_until_ns = now_ns + kLingerNs;
  pending_.reset();
  outbound_.reset();
  outbound_spi_in_ = 0;
}

bool TunnelKeys::poll(int64_t now_ns) {
  bool changed = false;
  if (pending_) {
    Child* n = find(pending_->new_spi_in);
    if (n && n->in->counters.packets.load(std::memory_order_relaxed) > 0) {
      use_for_outbound(*n);
      pending_.reset();
      changed = true;
    }
  }
  const auto before = children_.size();
  std::erase_if(children_, [&](const Child& c) { return c.linger_until_ns != 0 && c.linger_until_ns <= now_ns; });
  return changed || children_.size() != before;
}

std::shared_ptr<InboundSa> TunnelKeys::current_inbound() const {
  for (const auto& c : children_)
    if (c.spi_in == outbound_spi_in_) return c.in;
  return nullptr;
}

void TunnelKeys::collect_inbound(std::vector<std::shared_ptr<InboundSa>>& out) const {
  for (const auto& c : children_) out.push_back(c.in);
}

size_t TunnelKeys::live_children() const {
  return size_t(std::count_if(children_.begin(), children_.end(), [](const Child& c) { return c.linger_until_ns == 0; }));
}

}  // namespace vpngw
