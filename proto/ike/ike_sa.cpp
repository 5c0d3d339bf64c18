#include "proto/ike/ike_sa.hpp"

#include <algorithm>
#include <cstdio>

#include <openssl/crypto.h>

#include "common/bytes.hpp"
#include "common/hex.hpp"
#include "proto/ike/ike_sa_parts.hpp"
#include "proto/ike/proposal_select.hpp"

namespace vpngw::ike {

const char* ike_state_name(IkeState s) {
  switch (s) {
    case IkeState::idle: return "Down";
    case IkeState::init_done: return "Negotiating";
    case IkeState::established: return "Established";
    case IkeState::failed: return "Down";
  }
  return "Down";
}

IkeSa::IkeSa(IkeConfig cfg, uint64_t spi) : IkeSa(std::move(cfg), spi, Role::responder) {}

IkeSa::IkeSa(IkeConfig cfg, uint64_t spi, Role role) : cfg_(std::move(cfg)), role_(role) {
  (initiator() ? spi_i_ : spi_r_) = spi;
}

uint8_t IkeSa::request_flags() const { return initiator() ? kFlagInitiator : 0; }
uint8_t IkeSa::response_flags() const { return kFlagResponse | request_flags(); }

uint32_t IkeSa::random_spi() {
  Bytes spi = random_bytes(4);
  spi[0] |= 0x01;  // never 0-255 (reserved)
  return load_be32(spi.data());
}

std::vector<uint32_t> IkeSa::child_spis_in() const {
  std::vector<uint32_t> out;
  for (const auto& c : children_) out.push_back(c.first);
  return out;
}

IkeSa::Outcome IkeSa::handle(std::span<const uint8_t> datagram, const Endpoints& ep) {
  auto m = parse_message(datagram);
  if (!m) return Outcome{{}, {}, {}, "malformed IKE message dropped: " + m.error().what};
  const Header& h = m->header;
  // The peer's messages carry the I flag exactly when the peer is the original initiator.
  if (h.initiator() == initiator()) return Outcome{{}, {}, {}, "I flag says the message is from our own role; dropped"};
  if (h.response()) return on_response(m.value(), datagram, ep);
  // A retransmitted request gets the same answer again (RFC 7296 2.1).
  if (!last_response_.empty() && h.message_id + 1 == next_message_id_ &&
      std::equal(datagram.begin(), datagram.end(), last_request_.begin(), last_request_.end()))
    return Outcome{last_response_, {}, {}, "retransmitted request answered again"};
  Outcome out;
  if (h.exchange == Exchange::ike_sa_init && h.message_id == 0 && h.spi_r == 0 && state_ == IkeState::idle &&
      !initiator())
    out = on_init(m.value(), datagram, ep);
  else if (h.exchange == Exchange::ike_auth && h.spi_i == spi_i_ && h.spi_r == spi_r_ && state_ == IkeState::init_done &&
           h.message_id == next_message_id_)
    out = on_auth(m.value(), datagram);
  else if (h.exchange == Exchange::create_child_sa && h.spi_i == spi_i_ && h.spi_r == spi_r_ &&
           state_ == IkeState::established && h.message_id == next_message_id_)
    out = on_create_child(m.value(), datagram);
  else if (h.exchange == Exchange::informational && h.spi_i == spi_i_ && h.spi_r == spi_r_ &&
           state_ == IkeState::established && h.message_id == next_message_id_)
    out = on_informational(m.value(), datagram);
  else
    return Outcome{{}, {}, {}, exchange_name(h.exchange) + " with message ID " + std::to_string(h.message_id) + " in state " +
                               ike_state_name(state_) + "; dropped"};
  if (!out.reply.empty()) {
    last_request_.assign(datagram.begin(), datagram.end());
    last_response_ = out.reply;
  }
  return out;
}

IkeSa::Outcome IkeSa::notify_reply(const Header& request, uint16_t type, Bytes data, std::string log,
                                                     bool encrypted) {
  Header h = request;
  // An IKE_SA_INIT that creates no IKE SA is answered with a zero responder SPI.
  h.spi_r = encrypted ? spi_r_ : 0;
  h.flags = response_flags();
  std::vector<Payload> p{{payload::notify, false, encode_notify({Protocol::ike, {}, type, std::move(data)})}};
  Outcome out;
  out.reply = encrypted ? seal_message(h, p, out_keys_) : encode_message(h, p);
  out.log = std::move(log);
  return out;
}

bool IkeSa::derive_keys(std::span<const uint8_t> shared_secret, std::string& why) {
  prf_ = prf_from_transform(transform_id(ike_, transform::prf));
  if (!prf_) {
    why = "PRF " + std::to_string(transform_id(ike_, transform::prf)) + " is not implemented";
    return false;
  }
  const uint16_t encr = transform_id(ike_, transform::encr), integ = transform_id(ike_, transform::integ, integ_id::none);
  use_keys(derive_ike_keys(*prf_, ni_, nr_, shared_secret, spi_i_, spi_r_, integ_key_len(integ),
                           encr_key_len(encr, key_bits(ike_))));
  return true;
}

void IkeSa::use_keys(const IkeKeys& keys) {
  keys_ = keys;
  const uint16_t encr = transform_id(ike_, transform::encr), integ = transform_id(ike_, transform::integ, integ_id::none);
  const SkKeys from_initiator{encr, integ, keys_.sk_ei, keys_.sk_ai}, from_responder{encr, integ, keys_.sk_er, keys_.sk_ar};
  in_keys_ = initiator() ? from_responder : from_initiator;
  out_keys_ = initiator() ? from_initiator : from_responder;
}

IkeSa::Outcome IkeSa::on_init(const Message& m, std::span<const uint8_t> bytes, const Endpoints& ep) {
  const Payload* sa = m.find(payload::sa);
  const Payload* ke = m.find(payload::ke);
  const Payload* nonce = m.find(payload::nonce);
  if (!sa || !ke || !nonce) return notify_reply(m.header, notify::invalid_syntax, {}, "IKE_SA_INIT without SA, KE or Nonce", false);
  auto theirs = parse_sa(sa->body);
  auto kex = parse_ke(ke->body);
  if (!theirs || !kex) return notify_reply(m.header, notify::invalid_syntax, {}, "IKE_SA_INIT: " + (!theirs ? theirs.error().what : kex.error().what), false);
  if (nonce->body.size() < 16 || nonce->body.size() > 256)
    return notify_reply(m.header, notify::invalid_syntax, {}, "nonce of " + std::to_string(nonce->body.size()) + " bytes", false);
  auto chosen = select_proposal(cfg_.ike_proposals, theirs.value());
  if (!chosen) return notify_reply(m.header, notify::no_proposal_chosen, {}, "No Proposal Match Found (IKE)", false);
  const uint16_t group = transform_id(chosen->ours, transform::dh);
  if (kex->group != group)
    return notify_reply(m.header, notify::invalid_ke_payload, be16(group),
                        "KE for group " + std::to_string(kex->group) + ", asking for group " + std::to_string(group), false);
  auto dh = DiffieHellman::create(group);
  auto secret = dh ? dh->shared_secret(kex->data) : Unexpected(std::string("group not available"));
  if (!secret) return notify_reply(m.header, notify::invalid_syntax, {}, "KE refused: " + secret.error(), false);

  spi_i_ = m.header.spi_i;
  ike_ = chosen->ours;
  ni_ = nonce->body;
  nr_ = random_bytes(32);
  init_request_.assign(bytes.begin(), bytes.end());

  Proposal answer = chosen->ours;
  answer.number = chosen->theirs.number;
  Header h = m.header;
  h.spi_r = spi_r_;
  h.flags = response_flags();
  std::vector<Payload> p{{payload::sa, false, encode_sa({answer})},
                         {payload::ke, false, encode_ke({group, dh->public_value()})},
                         {payload::nonce, false, nr_}};
  if (m.find(payload::notify)) {
    // A hash over port 0 never matches what the peer sees: it then encapsulates ESP in UDP.
    const uint16_t claimed_port = cfg_.force_udp_encapsulation ? 0 : ep.local_port;
    p.push_back({payload::notify, false,
                 encode_notify({Protocol::ike, {}, notify::nat_detection_source_ip,
                                nat_hash(spi_i_, spi_r_, ep.local_ip, claimed_port)})});
    p.push_back({payload::notify, false,
                 encode_notify({Protocol::ike, {}, notify::nat_detection_destination_ip,
                                nat_hash(spi_i_, spi_r_, ep.remote_ip, ep.remote_port)})});
  }
  init_response_ = encode_message(h, p);
  std::string why;
  derive_keys(secret.value(), why);
  state_ = IkeState::init_done;
  next_message_id_ = 1;
  return Outcome{init_response_, {}, {}, "IKE_SA_INIT answered (group " + std::to_string(group) + ")"};
}

// Every request after IKE_SA_INIT: the SK payload opened, and the message ID window moved on.
std::optional<Message> IkeSa::open_request(const Message& m, std::span<const uint8_t> bytes, std::string& why) {
  auto inner = open_message(bytes, m, in_keys_);
  if (!inner) {
    why = inner.error();
    return std::nullopt;
  }
  ++next_message_id_;
  Message plain;
  plain.header = m.header;
  plain.payloads = std::move(inner.value());
  return plain;
}

IkeSa::Outcome IkeSa::on_auth(const Message& m, std::span<const uint8_t> bytes) {
  std::string why;
  auto opened = open_request(m, bytes, why);
  if (!opened) return Outcome{{}, {}, {}, "IKE_AUTH dropped: " + why};
  const Message& plain = *opened;
  const Payload* idi = plain.find(payload::idi);
  const Payload* auth = plain.find(payload::auth);
  const Payload* sa = plain.find(payload::sa);
  const Payload* tsi = plain.find(payload::tsi);
  const Payload* tsr = plain.find(payload::tsr);
  if (!idi || !auth) return notify_reply(m.header, notify::invalid_syntax, {}, "IKE_AUTH without IDi or AUTH", true);
  auto a = parse_auth(auth->body);
  auto id = parse_id(idi->body);
  if (!a || !id || a->method != kAuthSharedKey) {
    state_ = IkeState::failed;
    return notify_reply(m.header, notify::authentication_failed, {}, "AUTH method is not a shared key", true);
  }
  const Bytes expected = psk_auth(*prf_, cfg_.psk, init_request_, nr_, keys_.sk_pi, idi->body);
  if (expected.size() != a->data.size() || CRYPTO_memcmp(expected.data(), a->data.data(), expected.size()) != 0 ||
      (cfg_.remote_id && (cfg_.remote_id->type != id->type || cfg_.remote_id->data != id->data))) {
    state_ = IkeState::failed;
    return notify_reply(m.header, notify::authentication_failed, {}, "AUTHENTICATION_FAILED for " + id->to_string(), true);
  }
  state_ = IkeState::established;
  const Bytes idr = encode_id(cfg_.local_id);
  std::vector<Payload> reply{{payload::idr, false, idr},
                             {payload::auth, false, encode_auth({kAuthSharedKey, psk_auth(*prf_, cfg_.psk, init_response_, ni_, keys_.sk_pr, idr)})}};
  Header h = m.header;
  h.flags = response_flags();
  auto theirs = sa ? parse_sa(sa->body) : Unexpected(ParseError{"no SA payload"});
  // The first Child SA has no key exchange of its own: DH transforms (PFS for rekeys) do not count.
  auto chosen = theirs ? select_proposal(cfg_.esp_proposals, theirs.value(), true) : std::nullopt;
  if (!chosen || chosen->theirs.spi.size() != 4) {
    reply.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::no_proposal_chosen, {}})});
    return Outcome{seal_message(h, reply, out_keys_), {}, {}, "IKE SA established; No Proposal Match Found (Child SA)"};
  }
  auto ts_i = tsi ? parse_ts(tsi->body) : Unexpected(ParseError{"no TSi"});
  auto ts_r = tsr ? parse_ts(tsr->body) : Unexpected(ParseError{"no TSr"});
  if (!ts_i || !ts_r || !covers_everything(ts_i.value()) || !covers_everything(ts_r.value())) {
    reply.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::ts_unacceptable, {}})});
    return Outcome{seal_message(h, reply, out_keys_), {}, {}, "IKE SA established; TS_UNACCEPTABLE (route-based tunnels use 0.0.0.0/0)"};
  }
  Proposal answer = chosen->ours;
  answer.number = chosen->theirs.number;
  const uint32_t spi_in = random_spi();
  answer.spi = Bytes(4);
  store_be32(answer.spi.data(), spi_in);
  const ChildSaKeys child = make_child(chosen->ours, spi_in, load_be32(chosen->theirs.spi.data()), {}, ni_, nr_, false);
  reply.push_back({payload::sa, false, encode_sa({answer})});
  reply.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
  reply.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
  return Outcome{seal_message(h, reply, out_keys_), child, {}, "IKE SA and Child SA established with " + id->to_string()};
}

ChildSaKeys IkeSa::make_child(const Proposal& chosen, uint32_t spi_in, uint32_t spi_out,
                              std::span<const uint8_t> dh_secret, std::span<const uint8_t> ni,
                              std::span<const uint8_t> nr, bool we_asked) {
  ChildSaKeys child;
  child.spi_in = spi_in;
  child.spi_out = spi_out;
  child.encr = transform_id(chosen, transform::encr);
  child.key_bits = key_bits(chosen);
  child.integ = transform_id(chosen, transform::integ, integ_id::none);
  child.esn = transform_id(chosen, transform::esn) == 1;
  const size_t el = encr_key_len(child.encr, child.key_bits), il = integ_key_len(child.integ);
  // KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), keys for the direction from the exchange's
  // initiator first (RFC 7296 2.17). That is the IKE SA's initiator only in IKE_AUTH: a
  // CREATE_CHILD_SA may come from either side, and after an IKE SA rekey the roles may differ.
  Bytes seed(dh_secret.begin(), dh_secret.end());
  seed.insert(seed.end(), ni.begin(), ni.end());
  seed.insert(seed.end(), nr.begin(), nr.end());
  const Bytes km = prf_plus(*prf_, keys_.sk_d, seed, 2 * (el + il));
  Bytes i_to_r_encr(km.begin(), km.begin() + long(el)), i_to_r_integ(km.begin() + long(el), km.begin() + long(el + il));
  Bytes r_to_i_encr(km.begin() + long(el + il), km.begin() + long(2 * el + il)), r_to_i_integ(km.begin() + long(2 * el + il), km.end());
  child.encr_in = we_asked ? r_to_i_encr : i_to_r_encr;
  child.integ_in = we_asked ? r_to_i_integ : i_to_r_integ;
  child.encr_out = we_asked ? i_to_r_encr : r_to_i_encr;
  child.integ_out = we_asked ? i_to_r_integ : r_to_i_integ;
  children_.emplace_back(child.spi_in, child.spi_out);
  return child;
}

IkeSa::Outcome IkeSa::on_create_child(const Message& m, std::span<const uint8_t> bytes) {
  std::string why;
  auto opened = open_request(m, bytes, why);
  if (!opened) return Outcome{{}, {}, {}, "CREATE_CHILD_SA dropped: " + why};
  const Message& plain = *opened;
  Header h = m.header;
  h.flags = response_flags();
  auto refuse = [&](uint16_t type, Bytes data, std::string log) {
    return notify_reply(h, type, std::move(data), std::move(log), true);
  };
  const Payload* sa = plain.find(payload::sa);
  const Payload* nonce = plain.find(payload::nonce);
  const Payload* ke = plain.find(payload::ke);
  if (!sa || !nonce) return refuse(notify::invalid_syntax, {}, "CREATE_CHILD_SA without SA or Nonce");
  auto theirs = parse_sa(sa->body);
  if (!theirs || theirs->empty()) return refuse(notify::invalid_syntax, {}, "CREATE_CHILD_SA: bad SA payload");
  if (theirs->front().protocol == Protocol::ike) return on_ike_rekey(plain, h);
  auto kex = ke ? parse_ke(ke->body) : Unexpected(ParseError{"no KE"});
  auto chosen = select_proposal(cfg_.esp_proposals, theirs.value(), !ke);
  if (!chosen || chosen->theirs.spi.size() != 4) return refuse(notify::no_proposal_chosen, {}, "No Proposal Match Found (Child SA)");
  Bytes secret, our_ke;
  if (ke) {
    const uint16_t group = transform_id(chosen->ours, transform::dh);
    if (!kex || kex->group != group)
      return refuse(notify::invalid_ke_payload, be16(group), "rekey KE is not group " + std::to_string(group));
    auto dh = DiffieHellman::create(group);
    auto s = dh ? dh->shared_secret(kex->data) : Unexpected(std::string("group not available"));
    if (!s) return refuse(notify::invalid_syntax, {}, "rekey KE refused: " + s.error());
    secret = s.value();
    our_ke = encode_ke({group, dh->public_value()});
  }
  // REKEY_SA names the SA by the SPI its sender receives on: our outbound SPI.
  std::optional<uint32_t> rekeys;
  for (const auto* n : plain.find_all(payload::notify)) {
    auto parsed = parse_notify(n->body);
    if (!parsed || parsed->type != notify::rekey_sa || parsed->spi.size() != 4) continue;
    const uint32_t theirs_in = load_be32(parsed->spi.data());
    for (const auto& [in, out] : children_)
      if (out == theirs_in) rekeys = in;
  }
  const Bytes nr = random_bytes(32);
  Proposal answer = chosen->ours;
  answer.number = chosen->theirs.number;
  const uint32_t spi_in = random_spi();
  answer.spi = Bytes(4);
  store_be32(answer.spi.data(), spi_in);
  ChildSaKeys child = make_child(chosen->ours, spi_in, load_be32(chosen->theirs.spi.data()), secret, nonce->body, nr, false);
  child.rekeys_spi_in = rekeys;
  const std::string rekeyed = rekeys ? " (rekeys the Child SA with SPI " + hex32(*rekeys) + ")" : "";
  std::vector<Payload> reply{{payload::sa, false, encode_sa({answer})}, {payload::nonce, false, nr}};
  if (!our_ke.empty()) reply.push_back({payload::ke, false, our_ke});
  reply.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
  reply.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
  return Outcome{seal_message(h, reply, out_keys_), child, {},
                 std::string("Child SA created") + (ke ? " with PFS" : "") + rekeyed};
}

IkeSa::Outcome IkeSa::on_ike_rekey(const Message& plain, const Header& h) {
  auto refuse = [&](uint16_t type, Bytes data, std::string log) {
    return notify_reply(h, type, std::move(data), std::move(log), true);
  };
  const Payload* nonce = plain.find(payload::nonce);
  const Payload* ke = plain.find(payload::ke);
  auto theirs = parse_sa(plain.find(payload::sa)->body);
  auto chosen = theirs ? select_proposal(cfg_.ike_proposals, theirs.value()) : std::nullopt;
  if (!chosen || chosen->theirs.spi.size() != 8 || load_be64(chosen->theirs.spi.data()) == 0)
    return refuse(notify::no_proposal_chosen, {}, "No Proposal Match Found (IKE SA rekey)");
  const uint16_t group = transform_id(chosen->ours, transform::dh);
  auto kex = ke ? parse_ke(ke->body) : Unexpected(ParseError{"no KE"});
  if (!kex || kex->group != group) return refuse(notify::invalid_ke_payload, be16(group), "IKE SA rekey KE is not group " + std::to_string(group));
  auto dh = DiffieHellman::create(group);
  auto secret = dh ? dh->shared_secret(kex->data) : Unexpected(std::string("group not available"));
  if (!secret) return refuse(notify::invalid_syntax, {}, "IKE SA rekey KE refused: " + secret.error());
  const Bytes nr = random_bytes(32);
  uint64_t new_spi = 0;
  while (new_spi == 0) new_spi = load_be64(random_bytes(8).data());
  Proposal answer = chosen->ours;
  answer.number = chosen->theirs.number;
  answer.spi = Bytes(8);
  store_be64(answer.spi.data(), new_spi);
  Outcome out{seal_message(h, {{payload::sa, false, encode_sa({answer})}, {payload::nonce, false, nr},
                               {payload::ke, false, encode_ke({group, dh->public_value()})}},
                           out_keys_),
              {}, {}, "IKE SA rekeyed by the peer; its successor carries the Child SAs"};
  out.successor = make_successor(Role::responder, load_be64(chosen->theirs.spi.data()), new_spi, chosen->ours,
                                 nonce->body, nr, secret.value());
  return out;
}

std::unique_ptr<IkeSa> IkeSa::make_successor(Role role, uint64_t spi_i, uint64_t spi_r, const Proposal& chosen,
                                             const Bytes& ni, const Bytes& nr, std::span<const uint8_t> secret) {
  auto next = std::make_unique<IkeSa>(cfg_, role == Role::initiator ? spi_i : spi_r, role);
  next->spi_i_ = spi_i;
  next->spi_r_ = spi_r;
  next->ike_ = chosen;
  next->ni_ = ni;
  next->nr_ = nr;
  next->prf_ = prf_from_transform(transform_id(chosen, transform::prf));
  if (!next->prf_) next->prf_ = prf_;
  const uint16_t encr = transform_id(chosen, transform::encr), integ = transform_id(chosen, transform::integ, integ_id::none);
  next->use_keys(derive_rekeyed_ike_keys(*prf_, keys_.sk_d, *next->prf_, ni, nr, secret, spi_i, spi_r,
                                         integ_key_len(integ), encr_key_len(encr, key_bits(chosen))));
  next->state_ = IkeState::established;
  next->children_ = std::move(children_);
  children_.clear();
  superseded_ = true;
  return next;
}

IkeSa::Outcome IkeSa::on_informational(const Message& m, std::span<const uint8_t> bytes) {
  std::string why;
  auto opened = open_request(m, bytes, why);
  if (!opened) return Outcome{{}, {}, {}, "INFORMATIONAL dropped: " + why};
  Header h = m.header;
  h.flags = response_flags();
  Outcome out;
  std::vector<Payload> reply;
  Delete ours{Protocol::esp, {}};
  bool ike_deleted = false;
  for (const auto& p : opened->payloads) {
    if (p.type != payload::del) continue;
    auto d = parse_delete(p.body);
    if (!d) continue;
    if (d->protocol == Protocol::ike) ike_deleted = true;
    for (const auto& spi : d->spis) {
      if (spi.size() != 4) continue;
      const uint32_t theirs = load_be32(spi.data());
      for (auto it = children_.begin(); it != children_.end(); ++it) {
        if (it->second != theirs) continue;
        Bytes mine(4);
        store_be32(mine.data(), it->first);
        ours.spis.push_back(mine);
        out.deleted_spis_in.push_back(it->first);
        children_.erase(it);
        break;
      }
    }
  }
  // RFC 7296 1.4.1: a Child SA DELETE is answered with the DELETE of the paired SAs.
  if (!ours.spis.empty()) reply.push_back({payload::del, false, encode_delete(ours)});
  out.reply = seal_message(h, reply, out_keys_);
  if (ike_deleted) {
    state_ = IkeState::idle;
    out.ike_sa_deleted = true;
    out.log = "IKE SA deleted by the peer";
  } else if (opened->payloads.empty()) {
    out.log = "liveness check answered";
  } else {
    out.log = "deleted " + std::to_string(out.deleted_spis_in.size()) + " Child SA(s)";
  }
  return out;
}

}  // namespace vpngw::ike
