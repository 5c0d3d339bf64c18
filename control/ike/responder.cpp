#include "control/ike/responder.hpp"

#include <algorithm>
#include <cstdio>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/bytes.hpp"
#include "control/ike/proposal_select.hpp"

namespace vpngw::ike {
namespace {

Bytes random_bytes(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), int(n));
  return b;
}

Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }

// NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port), RFC 7296 2.23.
Bytes nat_hash(uint64_t spi_i, uint64_t spi_r, uint32_t ip, uint16_t port) {
  uint8_t in[8 + 8 + 4 + 2];
  store_be64(in, spi_i);
  store_be64(in + 8, spi_r);
  store_be32(in + 16, ip);
  store_be16(in + 20, port);
  Bytes out(SHA_DIGEST_LENGTH);
  SHA1(in, sizeof in, out.data());
  return out;
}

uint16_t transform_id(const Proposal& p, uint8_t type, uint16_t fallback = 0) {
  for (const auto& t : p.transforms)
    if (t.type == type) return t.id;
  return fallback;
}
uint16_t key_bits(const Proposal& p) {
  for (const auto& t : p.transforms)
    if (t.type == transform::encr) return t.key_bits.value_or(128);
  return 128;
}

bool covers_everything(const std::vector<TrafficSelector>& ts) {
  for (const auto& t : ts)
    if (t == TrafficSelector::any_v4()) return true;
  return false;
}

}  // namespace

const char* ike_state_name(IkeState s) {
  switch (s) {
    case IkeState::idle: return "Down";
    case IkeState::init_done: return "Negotiating";
    case IkeState::established: return "Established";
    case IkeState::failed: return "Down";
  }
  return "Down";
}

IkeSaResponder::IkeSaResponder(ResponderConfig cfg, uint64_t spi_r) : cfg_(std::move(cfg)), spi_r_(spi_r) {}

IkeSaResponder::Outcome IkeSaResponder::handle(std::span<const uint8_t> datagram, const Endpoints& ep) {
  auto m = parse_message(datagram);
  if (!m) return Outcome{{}, {}, {}, "malformed IKE message dropped: " + m.error().what};
  const Header& h = m->header;
  if (!h.initiator()) return Outcome{{}, {}, {}, "not from the IKE SA's initiator; dropped"};
  if (h.response()) return on_response(m.value(), datagram);
  // A retransmitted request gets the same answer again (RFC 7296 2.1).
  if (!last_response_.empty() && h.message_id + 1 == next_message_id_ &&
      std::equal(datagram.begin(), datagram.end(), last_request_.begin(), last_request_.end()))
    return Outcome{last_response_, {}, {}, "retransmitted request answered again"};
  Outcome out;
  if (h.exchange == Exchange::ike_sa_init && h.message_id == 0 && h.spi_r == 0 && state_ == IkeState::idle)
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

IkeSaResponder::Outcome IkeSaResponder::notify_reply(const Header& request, uint16_t type, Bytes data, std::string log,
                                                     bool encrypted) {
  Header h = request;
  // An IKE_SA_INIT that creates no IKE SA is answered with a zero responder SPI.
  h.spi_r = encrypted ? spi_r_ : 0;
  h.flags = kFlagResponse;
  std::vector<Payload> p{{payload::notify, false, encode_notify({Protocol::ike, {}, type, std::move(data)})}};
  Outcome out;
  out.reply = encrypted ? seal_message(h, p, to_initiator_) : encode_message(h, p);
  out.log = std::move(log);
  return out;
}

IkeSaResponder::Outcome IkeSaResponder::on_init(const Message& m, std::span<const uint8_t> bytes, const Endpoints& ep) {
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
  prf_ = prf_from_transform(transform_id(ike_, transform::prf));
  ni_ = nonce->body;
  nr_ = random_bytes(32);
  init_request_.assign(bytes.begin(), bytes.end());

  Proposal answer = chosen->ours;
  answer.number = chosen->theirs.number;
  Header h = m.header;
  h.spi_r = spi_r_;
  h.flags = kFlagResponse;
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

  const uint16_t encr = transform_id(ike_, transform::encr), integ = transform_id(ike_, transform::integ, integ_id::none);
  keys_ = derive_ike_keys(*prf_, ni_, nr_, secret.value(), spi_i_, spi_r_, integ_key_len(integ),
                          encr_key_len(encr, key_bits(ike_)));
  from_initiator_ = SkKeys{encr, integ, keys_.sk_ei, keys_.sk_ai};
  to_initiator_ = SkKeys{encr, integ, keys_.sk_er, keys_.sk_ar};
  state_ = IkeState::init_done;
  next_message_id_ = 1;
  return Outcome{init_response_, {}, {}, "IKE_SA_INIT answered (group " + std::to_string(group) + ")"};
}

// Every request after IKE_SA_INIT: the SK payload opened, and the message ID window moved on.
std::optional<Message> IkeSaResponder::open_request(const Message& m, std::span<const uint8_t> bytes, std::string& why) {
  auto inner = open_message(bytes, m, from_initiator_);
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

IkeSaResponder::Outcome IkeSaResponder::on_auth(const Message& m, std::span<const uint8_t> bytes) {
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
  h.flags = kFlagResponse;
  auto theirs = sa ? parse_sa(sa->body) : Unexpected(ParseError{"no SA payload"});
  // The first Child SA has no key exchange of its own: DH transforms (PFS for rekeys) do not count.
  auto chosen = theirs ? select_proposal(cfg_.esp_proposals, theirs.value(), true) : std::nullopt;
  if (!chosen || chosen->theirs.spi.size() != 4) {
    reply.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::no_proposal_chosen, {}})});
    return Outcome{seal_message(h, reply, to_initiator_), {}, {}, "IKE SA established; No Proposal Match Found (Child SA)"};
  }
  auto ts_i = tsi ? parse_ts(tsi->body) : Unexpected(ParseError{"no TSi"});
  auto ts_r = tsr ? parse_ts(tsr->body) : Unexpected(ParseError{"no TSr"});
  if (!ts_i || !ts_r || !covers_everything(ts_i.value()) || !covers_everything(ts_r.value())) {
    reply.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::ts_unacceptable, {}})});
    return Outcome{seal_message(h, reply, to_initiator_), {}, {}, "IKE SA established; TS_UNACCEPTABLE (route-based tunnels use 0.0.0.0/0)"};
  }
  Proposal answer;
  const ChildSaKeys child = make_child(chosen->ours, chosen->theirs, {}, ni_, nr_, answer);
  reply.push_back({payload::sa, false, encode_sa({answer})});
  reply.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
  reply.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
  return Outcome{seal_message(h, reply, to_initiator_), child, {}, "IKE SA and Child SA established with " + id->to_string()};
}

ChildSaKeys IkeSaResponder::make_child(const Proposal& ours, const Proposal& theirs, std::span<const uint8_t> dh_secret,
                                      std::span<const uint8_t> ni, std::span<const uint8_t> nr, Proposal& answer) {
  ChildSaKeys child;
  Bytes spi = random_bytes(4);
  spi[0] |= 0x01;  // never 0-255 (reserved)
  child.spi_in = load_be32(spi.data());
  child.spi_out = load_be32(theirs.spi.data());
  child.encr = transform_id(ours, transform::encr);
  child.key_bits = key_bits(ours);
  child.integ = transform_id(ours, transform::integ, integ_id::none);
  child.esn = transform_id(ours, transform::esn) == 1;
  const size_t el = encr_key_len(child.encr, child.key_bits), il = integ_key_len(child.integ);
  // KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), initiator-to-responder keys first (RFC 7296 2.17).
  Bytes seed(dh_secret.begin(), dh_secret.end());
  seed.insert(seed.end(), ni.begin(), ni.end());
  seed.insert(seed.end(), nr.begin(), nr.end());
  const Bytes km = prf_plus(*prf_, keys_.sk_d, seed, 2 * (el + il));
  child.encr_in.assign(km.begin(), km.begin() + long(el));
  child.integ_in.assign(km.begin() + long(el), km.begin() + long(el + il));
  child.encr_out.assign(km.begin() + long(el + il), km.begin() + long(2 * el + il));
  child.integ_out.assign(km.begin() + long(2 * el + il), km.end());
  answer = ours;
  answer.number = theirs.number;
  answer.spi = spi;
  children_.emplace_back(child.spi_in, child.spi_out);
  return child;
}

IkeSaResponder::Outcome IkeSaResponder::on_create_child(const Message& m, std::span<const uint8_t> bytes) {
  std::string why;
  auto opened = open_request(m, bytes, why);
  if (!opened) return Outcome{{}, {}, {}, "CREATE_CHILD_SA dropped: " + why};
  const Message& plain = *opened;
  Header h = m.header;
  h.flags = kFlagResponse;
  auto refuse = [&](uint16_t type, Bytes data, std::string log) {
    return Outcome{seal_message(h, {{payload::notify, false, encode_notify({Protocol::ike, {}, type, std::move(data)})}}, to_initiator_),
                   {}, {}, std::move(log)};
  };
  const Payload* sa = plain.find(payload::sa);
  const Payload* nonce = plain.find(payload::nonce);
  const Payload* ke = plain.find(payload::ke);
  if (!sa || !nonce) return refuse(notify::invalid_syntax, {}, "CREATE_CHILD_SA without SA or Nonce");
  auto theirs = parse_sa(sa->body);
  if (!theirs || theirs->empty()) return refuse(notify::invalid_syntax, {}, "CREATE_CHILD_SA: bad SA payload");
  if (theirs->front().protocol == Protocol::ike)
    return refuse(notify::no_proposal_chosen, {}, "IKE SA rekey is not supported yet; No Proposal Match Found");
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
  Proposal answer;
  ChildSaKeys child = make_child(chosen->ours, chosen->theirs, secret, nonce->body, nr, answer);
  child.rekeys_spi_in = rekeys;
  char rekeyed[64] = "";
  if (rekeys) std::snprintf(rekeyed, sizeof rekeyed, " (rekeys the Child SA with SPI 0x%08x)", *rekeys);
  std::vector<Payload> reply{{payload::sa, false, encode_sa({answer})}, {payload::nonce, false, nr}};
  if (!our_ke.empty()) reply.push_back({payload::ke, false, our_ke});
  reply.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
  reply.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
  return Outcome{seal_message(h, reply, to_initiator_), child, {},
                 std::string("Child SA created") + (ke ? " with PFS" : "") + rekeyed};
}

IkeSaResponder::Outcome IkeSaResponder::on_informational(const Message& m, std::span<const uint8_t> bytes) {
  std::string why;
  auto opened = open_request(m, bytes, why);
  if (!opened) return Outcome{{}, {}, {}, "INFORMATIONAL dropped: " + why};
  Header h = m.header;
  h.flags = kFlagResponse;
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
  out.reply = seal_message(h, reply, to_initiator_);
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

std::vector<uint8_t> IkeSaResponder::liveness_request() {
  if (state_ != IkeState::established) return {};
  if (!our_request_.empty()) return our_request_;
  return informational_request({});
}

std::vector<uint8_t> IkeSaResponder::delete_request() {
  if (state_ != IkeState::established) return {};
  auto bytes = informational_request({{payload::del, false, encode_delete({Protocol::ike, {}})}});
  state_ = IkeState::idle;
  return bytes;
}

std::vector<uint8_t> IkeSaResponder::informational_request(const std::vector<Payload>& payloads) {
  Header h;
  h.spi_i = spi_i_;
  h.spi_r = spi_r_;
  h.exchange = Exchange::informational;
  h.flags = 0;  // the original responder's request: neither I nor R
  h.message_id = our_next_message_id_;
  our_request_ = seal_message(h, payloads, to_initiator_);
  return our_request_;
}

IkeSaResponder::Outcome IkeSaResponder::on_response(const Message& m, std::span<const uint8_t> bytes) {
  const Header& h = m.header;
  if (our_request_.empty() || h.spi_i != spi_i_ || h.spi_r != spi_r_ || h.message_id != our_next_message_id_ ||
      h.exchange != Exchange::informational)
    return Outcome{{}, {}, {}, "response to no request of ours; dropped"};
  auto inner = open_message(bytes, m, from_initiator_);
  if (!inner) return Outcome{{}, {}, {}, "response dropped: " + inner.error()};
  our_request_.clear();
  ++our_next_message_id_;
  Outcome out;
  out.answered = true;
  out.log = "liveness check answered by the peer";
  return out;
}

}  // namespace vpngw::ike
