#include "control/ike/responder.hpp"

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
  if (!m) return Outcome{{}, {}, "malformed IKE message dropped: " + m.error().what};
  const Header& h = m->header;
  if (h.response() || !h.initiator()) return Outcome{{}, {}, "not a request from the initiator; dropped"};
  // A retransmitted request gets the same answer again (RFC 7296 2.1).
  if (!last_response_.empty() && h.message_id + 1 == next_message_id_ &&
      Bytes(datagram.begin(), datagram.end()) == last_request_)
    return Outcome{last_response_, {}, "retransmitted request answered again"};
  Outcome out;
  if (h.exchange == Exchange::ike_sa_init && h.message_id == 0 && h.spi_r == 0 && state_ == IkeState::idle)
    out = on_init(m.value(), datagram, ep);
  else if (h.exchange == Exchange::ike_auth && h.spi_i == spi_i_ && h.spi_r == spi_r_ && state_ == IkeState::init_done &&
           h.message_id == next_message_id_)
    out = on_auth(m.value(), datagram);
  else
    return Outcome{{}, {}, exchange_name(h.exchange) + " with message ID " + std::to_string(h.message_id) + " in state " +
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
    p.push_back({payload::notify, false,
                 encode_notify({Protocol::ike, {}, notify::nat_detection_source_ip,
                                nat_hash(spi_i_, spi_r_, ep.local_ip, ep.local_port)})});
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
  return Outcome{init_response_, {}, "IKE_SA_INIT answered (group " + std::to_string(group) + ")"};
}

IkeSaResponder::Outcome IkeSaResponder::on_auth(const Message& m, std::span<const uint8_t> bytes) {
  auto inner = open_message(bytes, m, from_initiator_);
  if (!inner) return Outcome{{}, {}, "IKE_AUTH dropped: " + inner.error()};
  ++next_message_id_;
  Message plain;
  plain.header = m.header;
  plain.payloads = std::move(inner.value());
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
  auto chosen = theirs ? select_proposal(cfg_.esp_proposals, theirs.value()) : std::nullopt;
  if (!chosen || chosen->theirs.spi.size() != 4) {
    reply.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::no_proposal_chosen, {}})});
    return Outcome{seal_message(h, reply, to_initiator_), {}, "IKE SA established; No Proposal Match Found (Child SA)"};
  }
  auto ts_i = tsi ? parse_ts(tsi->body) : Unexpected(ParseError{"no TSi"});
  auto ts_r = tsr ? parse_ts(tsr->body) : Unexpected(ParseError{"no TSr"});
  if (!ts_i || !ts_r || !covers_everything(ts_i.value()) || !covers_everything(ts_r.value())) {
    reply.push_back({payload::notify, false, encode_notify({Protocol::ike, {}, notify::ts_unacceptable, {}})});
    return Outcome{seal_message(h, reply, to_initiator_), {}, "IKE SA established; TS_UNACCEPTABLE (route-based tunnels use 0.0.0.0/0)"};
  }
  ChildSaKeys child;
  Bytes spi = random_bytes(4);
  spi[0] |= 0x01;  // never 0-255 (reserved)
  child.spi_in = load_be32(spi.data());
  child.spi_out = load_be32(chosen->theirs.spi.data());
  child.encr = transform_id(chosen->ours, transform::encr);
  child.key_bits = key_bits(chosen->ours);
  child.integ = transform_id(chosen->ours, transform::integ, integ_id::none);
  child.esn = transform_id(chosen->ours, transform::esn) == 1;
  const size_t el = encr_key_len(child.encr, child.key_bits), il = integ_key_len(child.integ);
  Bytes nonces = ni_;
  nonces.insert(nonces.end(), nr_.begin(), nr_.end());
  // KEYMAT order (RFC 7296 2.17): initiator-to-responder keys first.
  const Bytes km = prf_plus(*prf_, keys_.sk_d, nonces, 2 * (el + il));
  child.encr_in.assign(km.begin(), km.begin() + long(el));
  child.integ_in.assign(km.begin() + long(el), km.begin() + long(el + il));
  child.encr_out.assign(km.begin() + long(el + il), km.begin() + long(2 * el + il));
  child.integ_out.assign(km.begin() + long(2 * el + il), km.end());
  Proposal answer = chosen->ours;
  answer.number = chosen->theirs.number;
  answer.spi = spi;
  reply.push_back({payload::sa, false, encode_sa({answer})});
  reply.push_back({payload::tsi, false, encode_ts({TrafficSelector::any_v4()})});
  reply.push_back({payload::tsr, false, encode_ts({TrafficSelector::any_v4()})});
  return Outcome{seal_message(h, reply, to_initiator_), child, "IKE SA and Child SA established with " + id->to_string()};
}

}  // namespace vpngw::ike
