// IkeSa's own requests and the answers to them: the initiator's IKE_SA_INIT and IKE_AUTH, and,
// in either role once established, liveness checks, Child SA rekeys and DELETEs.
#include <openssl/crypto.h>

#include <algorithm>

#include "common/hex.hpp"
#include "proto/ike/ike_sa.hpp"
#include "proto/ike/ike_sa_parts.hpp"
#include "proto/ike/proposal_select.hpp"

namespace vpngw::ike {
namespace {

// Our proposals numbered 1..n, with `spi` (ESP) and without DH transforms when `no_dh` (the
// Child SA inside IKE_AUTH has no key exchange of its own); duplicates left by that are dropped.
std::vector<Proposal> offer(const std::vector<Proposal>& ours, const Bytes& spi, bool no_dh) {
  std::vector<Proposal> out;
  for (Proposal p : ours) {
    if (no_dh) std::erase_if(p.transforms, [](const Transform& t) { return t.type == transform::dh; });
    if (std::any_of(out.begin(), out.end(), [&](const Proposal& q) { return q.transforms == p.transforms; })) continue;
    p.spi = spi;
    p.number = uint8_t(out.size() + 1);
    out.push_back(std::move(p));
    if (out.size() == 255) break;  // the proposal number is one byte
  }
  return out;
}

Bytes spi_bytes(uint32_t spi) {
  Bytes b(4);
  store_be32(b.data(), spi);
  return b;
}

// The first error notify (type < 16384) of an answer, or 0.
uint16_t error_notify(const std::vector<Payload>& payloads, Bytes* data = nullptr) {
  for (const auto& p : payloads) {
    if (p.type != payload::notify) continue;
    auto n = parse_notify(p.body);
    if (n && n->type < 16384) {
      if (data) *data = n->data;
      return n->type;
    }
  }
  return 0;
}

const Payload* find(const std::vector<Payload>& payloads, uint8_t type) {
  for (const auto& p : payloads)
    if (p.type == type) return &p;
  return nullptr;
}

}  // namespace

std::vector<uint8_t> IkeSa::start(const Endpoints& ep) {
  if (!initiator() || state_ != IkeState::idle || cfg_.ike_proposals.empty()) return {};
  if (ni_.empty()) ni_ = random_bytes(32);
  if (ke_group_ == 0) ke_group_ = transform_id(cfg_.ike_proposals.front(), transform::dh);
  if (!dh_ || dh_->group() != ke_group_) dh_ = DiffieHellman::create(ke_group_);
  if (!dh_) return {};
  Header h;
  h.spi_i = spi_i_;
  h.exchange = Exchange::ike_sa_init;
  h.flags = kFlagInitiator;
  std::vector<Payload> p;
  if (!cookie_.empty()) p.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::cookie, cookie_})});
  p.push_back({payload::sa, false, encode_sa(offer(cfg_.ike_proposals, {}, false))});
  p.push_back({payload::ke, false, encode_ke({ke_group_, dh_->public_value()})});
  p.push_back({payload::nonce, false, ni_});
  // A source hash over port 0 never matches: the responder then treats us as behind NAT.
  const uint16_t claimed_port = cfg_.force_udp_encapsulation ? 0 : ep.local_port;
  p.push_back({payload::notify, false,
               encode_notify({Protocol::ike, {}, notify::nat_detection_source_ip, nat_hash(spi_i_, 0, ep.local_ip, claimed_port)})});
  p.push_back({payload::notify, false,
               encode_notify({Protocol::ike, {}, notify::nat_detection_destination_ip,
                              nat_hash(spi_i_, 0, ep.remote_ip, ep.remote_port)})});
  init_request_ = encode_message(h, p);
  our_request_ = init_request_;
  pending_ = Pending::init;
  return our_request_;
}

std::vector<uint8_t> IkeSa::send_request(Exchange ex, const std::vector<Payload>& payloads, Pending what) {
  Header h;
  h.spi_i = spi_i_;
  h.spi_r = spi_r_;
  h.exchange = ex;
  h.flags = request_flags();
  h.message_id = our_next_message_id_;
  our_request_ = seal_message(h, payloads, out_keys_);
  pending_ = what;
  return our_request_;
}

IkeSa::Outcome IkeSa::on_response(const Message& m, std::span<const uint8_t> bytes, const Endpoints& ep) {
  const Header& h = m.header;
  if (our_request_.empty() || h.message_id != our_next_message_id_ || h.spi_i != spi_i_)
    return Outcome{{}, {}, {}, "response to no request of ours; dropped"};
  if (pending_ == Pending::init) {
    if (h.exchange != Exchange::ike_sa_init) return Outcome{{}, {}, {}, "unexpected answer to IKE_SA_INIT; dropped"};
    init_response_.assign(bytes.begin(), bytes.end());
    return on_init_response(m, ep);
  }
  if (h.spi_r != spi_r_) return Outcome{{}, {}, {}, "response for another IKE SA; dropped"};
  auto inner = open_message(bytes, m, in_keys_);
  if (!inner) return Outcome{{}, {}, {}, "response dropped: " + inner.error()};
  our_request_.clear();
  ++our_next_message_id_;
  const Pending what = pending_;
  pending_ = Pending::none;
  Outcome out;
  switch (what) {
    case Pending::auth: out = on_auth_response(inner.value()); break;
    case Pending::rekey: out = on_rekey_response(inner.value()); break;
    case Pending::rekey_ike: out = on_ike_rekey_response(inner.value()); break;
    case Pending::informational: out = on_informational_response(inner.value()); break;
    case Pending::none:
    case Pending::init: break;
  }
  out.answered = true;
  return out;
}

IkeSa::Outcome IkeSa::on_init_response(const Message& m, const Endpoints& ep) {
  Outcome out;
  Bytes data;
  if (const uint16_t err = error_notify(m.payloads, &data)) {
    our_request_.clear();
    pending_ = Pending::none;
    if (err == notify::invalid_ke_payload && data.size() == 2) {
      const uint16_t group = load_be16(data.data());
      const bool offered = std::any_of(cfg_.ike_proposals.begin(), cfg_.ike_proposals.end(),
                                       [&](const Proposal& p) { return transform_id(p, transform::dh) == group; });
      if (offered && group != ke_group_) {
        ke_group_ = group;
        out.reply = start(ep);
        out.log = "peer asked for DH group " + std::to_string(group) + "; IKE_SA_INIT sent again";
        return out;
      }
    }
    state_ = IkeState::failed;
    out.log = err == notify::no_proposal_chosen ? "No Proposal Match Found (the peer refused our IKE proposals)"
                                                : "IKE_SA_INIT refused: " + notify_name(err);
    return out;
  }
  for (const auto* n : m.find_all(payload::notify)) {
    auto parsed = parse_notify(n->body);
    if (parsed && parsed->type == notify::cookie && cookie_ != parsed->data) {
      cookie_ = parsed->data;  // RFC 7296 2.6: the same request again, the cookie first
      our_request_.clear();
      pending_ = Pending::none;
      out.reply = start(ep);
      out.log = "responder asked for a cookie; IKE_SA_INIT sent again";
      return out;
    }
  }
  const Payload* sa = m.find(payload::sa);
  const Payload* ke = m.find(payload::ke);
  const Payload* nonce = m.find(payload::nonce);
  auto theirs = sa ? parse_sa(sa->body) : Unexpected(ParseError{"no SA payload"});
  auto kex = ke ? parse_ke(ke->body) : Unexpected(ParseError{"no KE payload"});
  auto chosen = theirs && theirs->size() == 1 ? select_proposal(cfg_.ike_proposals, theirs.value()) : std::nullopt;
  if (!chosen || !kex || kex->group != ke_group_ || transform_id(chosen->ours, transform::dh) != ke_group_ || !nonce ||
      nonce->body.size() < 16 || nonce->body.size() > 256 || m.header.spi_r == 0) {
    state_ = IkeState::failed;
    our_request_.clear();
    pending_ = Pending::none;
    out.log = "IKE_SA_INIT answer unusable (proposal, KE, nonce or SPI)";
    return out;
  }
  auto secret = dh_->shared_secret(kex->data);
  std::string why;
  spi_r_ = m.header.spi_r;
  ike_ = chosen->ours;
  nr_ = nonce->body;
  if (!secret || !derive_keys(secret.value(), why)) {
    state_ = IkeState::failed;
    our_request_.clear();
    pending_ = Pending::none;
    out.log = "IKE_SA_INIT answer refused: " + (secret ? why : secret.error());
    return out;
  }
  state_ = IkeState::init_done;
  our_request_.clear();
  ++our_next_message_id_;
  out.reply = auth_request();
  out.answered = true;
  out.log = "IKE_SA_INIT answered (group " + std::to_string(ke_group_) + "); IKE_AUTH sent";
  return out;
}

std::vector<uint8_t> IkeSa::auth_request() {
  const Bytes idi = encode_id(cfg_.local_id);
  auth_child_spi_ = random_spi();
  std::vector<Payload> p{{payload::idi, false, idi}};
  if (cfg_.remote_id) p.push_back({payload::idr, false, encode_id(*cfg_.remote_id)});
  p.push_back({payload::auth, false, encode_auth({kAuthSharedKey, psk_auth(*prf_, cfg_.psk, init_request_, nr_, keys_.sk_pi, idi)})});
  p.push_back({payload::sa, false, encode_sa(offer(cfg_.esp_proposals, spi_bytes(auth_child_spi_), true))});
  p.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
  p.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
  return send_request(Exchange::ike_auth, p, Pending::auth);
}

IkeSa::Outcome IkeSa::on_auth_response(const std::vector<Payload>& inner) {
  Outcome out;
  const Payload* idr = find(inner, payload::idr);
  const Payload* auth = find(inner, payload::auth);
  const uint16_t err = error_notify(inner);
  if (!idr || !auth) {
    state_ = IkeState::failed;
    out.log = err == notify::authentication_failed ? "AUTHENTICATION_FAILED: the peer refused our pre-shared key"
                                                   : "IKE_AUTH refused: " + (err ? notify_name(err) : std::string("no IDr or AUTH"));
    return out;
  }
  auto a = parse_auth(auth->body);
  auto id = parse_id(idr->body);
  const Bytes expected = psk_auth(*prf_, cfg_.psk, init_response_, ni_, keys_.sk_pr, idr->body);
  if (!a || !id || a->method != kAuthSharedKey || expected.size() != a->data.size() ||
      CRYPTO_memcmp(expected.data(), a->data.data(), expected.size()) != 0 ||
      (cfg_.remote_id && (cfg_.remote_id->type != id->type || cfg_.remote_id->data != id->data))) {
    state_ = IkeState::failed;
    out.log = "AUTHENTICATION_FAILED: the peer's AUTH does not match our pre-shared key";
    return out;
  }
  state_ = IkeState::established;
  if (err) {
    out.log = "IKE SA established with " + id->to_string() + "; Child SA refused: " +
              (err == notify::no_proposal_chosen ? std::string("No Proposal Match Found") : notify_name(err));
    return out;
  }
  const Payload* sa = find(inner, payload::sa);
  const Payload* tsi = find(inner, payload::tsi);
  const Payload* tsr = find(inner, payload::tsr);
  auto theirs = sa ? parse_sa(sa->body) : Unexpected(ParseError{"no SA"});
  auto chosen = theirs && theirs->size() == 1 ? select_proposal(cfg_.esp_proposals, theirs.value(), true) : std::nullopt;
  auto ts_i = tsi ? parse_ts(tsi->body) : Unexpected(ParseError{"no TSi"});
  auto ts_r = tsr ? parse_ts(tsr->body) : Unexpected(ParseError{"no TSr"});
  if (!chosen || chosen->theirs.spi.size() != 4 || !ts_i || !ts_r || !covers_everything(ts_i.value()) ||
      !covers_everything(ts_r.value())) {
    out.log = "IKE SA established with " + id->to_string() + "; the Child SA answer is unusable (proposal or TS)";
    return out;
  }
  out.child = make_child(chosen->ours, auth_child_spi_, load_be32(chosen->theirs.spi.data()), {}, ni_, nr_, true);
  out.child->we_initiated = true;
  out.log = "IKE SA and Child SA established with " + id->to_string();
  return out;
}

std::vector<uint8_t> IkeSa::liveness_request() {
  if (state_ != IkeState::established || request_outstanding()) return {};  // an outstanding request proves as much
  return build_queued({Queued::liveness, 0});
}

std::vector<uint8_t> IkeSa::send_or_queue(const Queued& q) {
  if (state_ != IkeState::established || superseded_) return {};
  if (request_outstanding()) {
    queue_.push_back(q);
    return {};
  }
  return build_queued(q);
}

std::vector<uint8_t> IkeSa::rekey_child_request(uint32_t spi_in) { return send_or_queue({Queued::rekey, spi_in}); }
std::vector<uint8_t> IkeSa::rekey_ike_request() { return send_or_queue({Queued::rekey_ike, 0}); }
std::vector<uint8_t> IkeSa::delete_child_request(uint32_t spi_in) { return send_or_queue({Queued::delete_child, spi_in}); }

std::vector<uint8_t> IkeSa::next_request() {
  while (state_ == IkeState::established && !request_outstanding() && !queue_.empty()) {
    const Queued q = queue_.front();
    queue_.pop_front();
    if (auto bytes = build_queued(q); !bytes.empty()) return bytes;
  }
  return {};
}

std::vector<uint8_t> IkeSa::build_queued(const Queued& q) {
  const auto child = std::find_if(children_.begin(), children_.end(), [&](const auto& c) { return c.first == q.spi_in; });
  switch (q.kind) {
    case Queued::liveness:
      return send_request(Exchange::informational, {}, Pending::informational);
    case Queued::delete_ike:
      deleting_ike_ = true;
      return send_request(Exchange::informational, {{payload::del, false, encode_delete({Protocol::ike, {}})}},
                          Pending::informational);
    case Queued::rekey_ike: {
      if (superseded_) return {};
      IkeRekeyInFlight r{0, random_bytes(32), DiffieHellman::create(transform_id(ike_, transform::dh))};
      while (r.new_spi == 0) r.new_spi = load_be64(random_bytes(8).data());
      if (!r.dh) return {};
      Bytes spi(8);
      store_be64(spi.data(), r.new_spi);
      // The current suite first: the peer accepted it once already.
      std::vector<Proposal> ours{ike_};
      for (const auto& p : cfg_.ike_proposals)
        if (p.transforms != ike_.transforms) ours.push_back(p);
      std::vector<Payload> p{{payload::sa, false, encode_sa(offer(ours, spi, false))},
                             {payload::nonce, false, r.ni},
                             {payload::ke, false, encode_ke({r.dh->group(), r.dh->public_value()})}};
      ike_rekey_ = std::move(r);
      return send_request(Exchange::create_child_sa, p, Pending::rekey_ike);
    }
    case Queued::delete_child:
      if (child == children_.end()) return {};
      return send_request(Exchange::informational, {{payload::del, false, encode_delete({Protocol::esp, {spi_bytes(q.spi_in)}})}},
                          Pending::informational);
    case Queued::rekey: {
      if (child == children_.end() || cfg_.esp_proposals.empty()) return {};
      RekeyInFlight r{q.spi_in, random_spi(), random_bytes(32), nullptr};
      const uint16_t group = transform_id(cfg_.esp_proposals.front(), transform::dh);
      if (group != 0) r.dh = DiffieHellman::create(group);
      std::vector<Payload> p{{payload::notify, false, encode_notify({Protocol::esp, spi_bytes(q.spi_in), notify::rekey_sa, {}})},
                             {payload::sa, false, encode_sa(offer(cfg_.esp_proposals, spi_bytes(r.new_spi_in), false))},
                             {payload::nonce, false, r.ni}};
      if (r.dh) p.push_back({payload::ke, false, encode_ke({group, r.dh->public_value()})});
      p.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
      p.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
      rekey_ = std::move(r);
      return send_request(Exchange::create_child_sa, p, Pending::rekey);
    }
  }
  return {};
}

IkeSa::Outcome IkeSa::on_rekey_response(const std::vector<Payload>& inner) {
  Outcome out;
  auto r = std::move(rekey_);
  rekey_.reset();
  if (!r) return out;
  if (const uint16_t err = error_notify(inner)) {
    out.log = "Child SA rekey refused by the peer: " + notify_name(err);
    return out;
  }
  const Payload* sa = find(inner, payload::sa);
  const Payload* nonce = find(inner, payload::nonce);
  const Payload* ke = find(inner, payload::ke);
  auto theirs = sa ? parse_sa(sa->body) : Unexpected(ParseError{"no SA"});
  auto chosen = theirs && theirs->size() == 1 ? select_proposal(cfg_.esp_proposals, theirs.value(), !r->dh) : std::nullopt;
  Bytes secret;
  if (r->dh) {
    auto kex = ke ? parse_ke(ke->body) : Unexpected(ParseError{"no KE"});
    auto s = kex && kex->group == r->dh->group() ? r->dh->shared_secret(kex->data) : Unexpected(std::string("no KE of our group"));
    if (s) secret = s.value();
  }
  if (!chosen || chosen->theirs.spi.size() != 4 || !nonce || nonce->body.size() < 16 || (r->dh && secret.empty())) {
    out.log = "Child SA rekey answer unusable (proposal, nonce or KE)";
    return out;
  }
  out.child = make_child(chosen->ours, r->new_spi_in, load_be32(chosen->theirs.spi.data()), secret, r->ni, nonce->body, true);
  out.child->rekeys_spi_in = r->old_spi_in;
  out.child->we_initiated = true;
  out.log = "Child SA " + hex32(r->old_spi_in) + " rekeyed by us" + (r->dh ? " with PFS" : "") + "; new SPI " +
            hex32(r->new_spi_in);
  // Make before break: the old SA goes once the new one is in.
  queue_.push_front({Queued::delete_child, r->old_spi_in});
  return out;
}

IkeSa::Outcome IkeSa::on_ike_rekey_response(const std::vector<Payload>& inner) {
  Outcome out;
  auto r = std::move(ike_rekey_);
  ike_rekey_.reset();
  if (!r) return out;
  if (const uint16_t err = error_notify(inner)) {
    out.log = "IKE SA rekey refused by the peer: " + notify_name(err);
    return out;
  }
  const Payload* sa = find(inner, payload::sa);
  const Payload* nonce = find(inner, payload::nonce);
  const Payload* ke = find(inner, payload::ke);
  auto theirs = sa ? parse_sa(sa->body) : Unexpected(ParseError{"no SA"});
  auto chosen = theirs && theirs->size() == 1 ? select_proposal(cfg_.ike_proposals, theirs.value()) : std::nullopt;
  auto kex = ke ? parse_ke(ke->body) : Unexpected(ParseError{"no KE"});
  auto secret = kex && kex->group == r->dh->group() ? r->dh->shared_secret(kex->data) : Unexpected(std::string("no KE of our group"));
  if (!chosen || chosen->theirs.spi.size() != 8 || load_be64(chosen->theirs.spi.data()) == 0 || !nonce ||
      nonce->body.size() < 16 || !secret || transform_id(chosen->ours, transform::dh) != r->dh->group()) {
    out.log = "IKE SA rekey answer unusable (proposal, SPI, nonce or KE)";
    return out;
  }
  out.successor = make_successor(Role::initiator, r->new_spi, load_be64(chosen->theirs.spi.data()), chosen->ours, r->ni,
                                 nonce->body, secret.value());
  out.log = "IKE SA rekeyed by us; its successor carries the Child SAs";
  queue_.clear();  // what was waiting belongs to the successor now
  queue_.push_front({Queued::delete_ike, 0});
  return out;
}

IkeSa::Outcome IkeSa::on_informational_response(const std::vector<Payload>& inner) {
  Outcome out;
  if (deleting_ike_) {
    state_ = IkeState::idle;
    out.ike_sa_deleted = true;
    out.log = "old IKE SA deleted";
    return out;
  }
  for (const auto& p : inner) {
    if (p.type != payload::del) continue;
    auto d = parse_delete(p.body);
    if (!d) continue;
    for (const auto& spi : d->spis) {
      if (spi.size() != 4) continue;
      const uint32_t theirs = load_be32(spi.data());
      for (auto it = children_.begin(); it != children_.end(); ++it)
        if (it->second == theirs) {
          out.deleted_spis_in.push_back(it->first);
          children_.erase(it);
          break;
        }
    }
  }
  out.log = out.deleted_spis_in.empty() ? "liveness check answered by the peer"
                                        : "deleted " + std::to_string(out.deleted_spis_in.size()) + " Child SA(s) at our request";
  return out;
}

std::vector<uint8_t> IkeSa::delete_request() {
  if (state_ != IkeState::established) return {};
  // Going away: sent even when another request is outstanding (best effort, never answered).
  if (request_outstanding()) ++our_next_message_id_;
  auto bytes = send_request(Exchange::informational, {{payload::del, false, encode_delete({Protocol::ike, {}})}},
                            Pending::informational);
  state_ = IkeState::idle;
  return bytes;
}

}  // namespace vpngw::ike
