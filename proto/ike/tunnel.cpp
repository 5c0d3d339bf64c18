#include "proto/ike/tunnel.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/hex.hpp"
#include "proto/ike/wireshark_sa.hpp"

namespace vpngw::ike {
namespace {

constexpr size_t kLogLines = 32;
constexpr int64_t kSecondNs = 1'000'000'000;

Identification ipv4_id(const IpAddress& a) {
  const uint32_t v = a.v4_host_order();
  return {id_type::ipv4, {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}};
}

std::string transform_name(const ChildSaKeys& k) {
  std::string s = "AES" + std::to_string(k.key_bits) + (k.encr == encr_id::aes_gcm_16 ? "-GCM-16" : "-CBC");
  switch (k.integ) {
    case integ_id::hmac_sha1_96: s += "/HMAC-SHA1-96"; break;
    case integ_id::hmac_sha2_256_128: s += "/HMAC-SHA2-256-128"; break;
    case integ_id::hmac_sha2_384_192: s += "/HMAC-SHA2-384-192"; break;
    case integ_id::hmac_sha2_512_256: s += "/HMAC-SHA2-512-256"; break;
    default: break;
  }
  return s + (k.esn ? "/ESN" : "");
}

sockaddr_in v4_sockaddr(const IpAddress& a, uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_addr.s_addr = htonl(a.v4_host_order());
  s.sin_port = htons(port);
  return s;
}

}  // namespace

Tunnel::Tunnel(TunnelSpec spec, const LocalEnd& local, EndpointShared& shared, uint64_t seed)
    : spec_(std::move(spec)), local_(local), shared_(shared), keys_(spec_.replay_window), rng_(seed) {
  ike_cfg_.psk = spec_.options.pre_shared_key;
  ike_cfg_.local_id = ipv4_id(local_.address);
  ike_cfg_.ike_proposals = ike_proposals(spec_.options);
  ike_cfg_.esp_proposals = esp_proposals(spec_.options);
  const sockaddr_in peer = v4_sockaddr(spec_.peer, spec_.peer_port);
  std::memcpy(&esp_peer_, &peer, sizeof peer);
  esp_peer_len_ = sizeof peer;
}

bool Tunnel::is_peer(const sockaddr_in& from) const {
  return !spec_.peer.v6 && spec_.peer.v4_host_order() == ntohl(from.sin_addr.s_addr);
}

void Tunnel::note(const std::string& line) {
  spdlog::info("ike {}: {}", spec_.name, line);
  log_.push_back(line);
  if (log_.size() > kLogLines) log_.pop_front();
}

void Tunnel::send(const Source& to, std::vector<uint8_t> bytes) {
  if (!bytes.empty()) outgoing_.push_back({to, std::move(bytes)});
}

std::vector<Outgoing> Tunnel::take_outgoing() { return std::exchange(outgoing_, {}); }
bool Tunnel::take_keys_changed() { return std::exchange(keys_changed_, false); }

IkeSa::Endpoints Tunnel::endpoints(const Source& s) const {
  return {local_.address.v4_host_order(), ntohl(s.addr.sin_addr.s_addr), s.natt ? local_.natt_port : local_.ike_port,
          ntohs(s.addr.sin_port)};
}

// Sends a request of ours and starts its retransmission clock (a new request only).
void Tunnel::send_request(SaEntry& e, const std::vector<uint8_t>& bytes, int64_t now) {
  if (bytes.empty()) return;
  send(e.source, bytes);
  if (bytes != e.tracked) {
    e.tracked = bytes;
    e.request_first_ns = now;
    e.request_sends = 0;
    e.dpd_reported = false;
  }
  e.request_last_ns = now;
  ++e.request_sends;
}

void Tunnel::start(int64_t now) {
  if (spec_.options.startup_action == StartupAction::start) initiate(now);
  else note("waiting for the customer gateway to initiate (startup action add)");
}

void Tunnel::receive(std::span<const uint8_t> bytes, const Source& src, int64_t now) {
  auto h = parse_header(bytes);
  if (!h) {
    ++shared_.dropped_malformed;
    return;
  }
  SaEntry* e = nullptr;
  if (h->exchange == Exchange::ike_sa_init && h->spi_r == 0 && !h->response()) {
    for (auto& s : sas_)
      if (s.sa->role() == IkeSa::Role::responder && s.sa->spi_i() == h->spi_i && s.sa->state() != IkeState::established)
        e = &s;
    if (!e) {
      // Half-open: IKE SAs we answered and that now wait for their IKE_AUTH. An IKE_SA_INIT we
      // refused (no proposal, wrong KE group) holds nothing, and a customer gateway that retries
      // through refusals must not be taken for a flood.
      size_t half_open = 0;
      for (const auto& s : sas_) half_open += s.sa->role() == IkeSa::Role::responder && s.sa->state() == IkeState::init_done;
      if (half_open >= kCookieThreshold && !cookie_ok(bytes, h.value(), src)) return;
      if (half_open >= kMaxHalfOpen) {
        ++shared_.dropped_half_open;
        return;
      }
      e = &sas_.emplace_back();
      e->sa = std::make_unique<IkeSa>(ike_cfg_, random_nonzero());
      e->created_ns = now;
      e->source = src;
    }
  } else {
    for (auto& s : sas_) {
      const bool init_answer = s.sa->role() == IkeSa::Role::initiator && s.sa->state() == IkeState::idle;
      if (s.sa->spi_i() == h->spi_i && (s.sa->spi_r() == h->spi_r || init_answer)) e = &s;
    }
    if (!e) {
      ++shared_.dropped_malformed;
      return;
    }
  }
  auto out = e->sa->handle(bytes, endpoints(src));
  if (!out.log.empty()) note(out.log);
  if (!out.reply.empty() || out.answered) {  // the message authenticated (or was a valid IKE_SA_INIT)
    e->last_heard_ns = now;
    e->source = src;
  }
  if (out.answered) e->tracked.clear();
  // An initiator moves to 4500 after IKE_SA_INIT (we always claim NAT: ESP only goes in UDP).
  if (e->sa->role() == IkeSa::Role::initiator && e->sa->state() == IkeState::init_done && !e->source.natt) {
    e->source.natt = true;
    e->source.addr.sin_port = htons(spec_.peer_port);
  }
  if (!out.reply.empty()) {
    if (e->sa->request_outstanding() && e->sa->outstanding_request() == out.reply) send_request(*e, out.reply, now);
    else send(e->source, out.reply);
  }
  apply(*e, out, now);  // may erase e
}

// Under load an IKE_SA_INIT must bring back the cookie we handed its source address (RFC 7296
// 2.6); without one it gets a COOKIE and no state. False: answered (or dropped), stop here.
bool Tunnel::cookie_ok(std::span<const uint8_t> bytes, const Header& h, const Source& src) {
  auto m = parse_message(bytes);
  const Payload* nonce = m ? m->find(payload::nonce) : nullptr;
  if (!nonce) {
    ++shared_.dropped_malformed;
    return false;
  }
  const uint32_t ip = ntohl(src.addr.sin_addr.s_addr);
  const Payload* first = m->payloads.empty() ? nullptr : &m->payloads.front();
  auto n = first && first->type == payload::notify ? parse_notify(first->body) : Unexpected(ParseError{"no notify"});
  if (n && n->type == notify::cookie && shared_.cookies.valid(n->data, h.spi_i, nonce->body, ip)) return true;
  Header answer = h;
  answer.spi_r = 0;
  answer.flags = kFlagResponse;
  send(src, encode_message(answer, {{payload::notify, false,
                                     encode_notify({Protocol::ike, {}, notify::cookie, shared_.cookies.make(h.spi_i, nonce->body, ip)})}}));
  ++shared_.cookies_sent;
  return false;
}

uint64_t Tunnel::random_nonzero() {
  uint64_t v = 0;
  while (v == 0) v = rng_();
  return v;
}

// When AWS rekeys: the lifetime minus the margin, minus a random part of up to fuzz% of the margin
// (so the two ends of a tunnel do not rekey at once). A lab value replaces all of it.
int64_t Tunnel::rekey_deadline(uint32_t lifetime_seconds, uint32_t lab_seconds, int64_t now) {
  if (lab_seconds) return now + int64_t(lab_seconds) * kSecondNs;
  const auto& o = spec_.options;
  const uint64_t window_ns = uint64_t(o.rekey_margin_time_seconds) * kSecondNs * o.rekey_fuzz_percentage / 100;
  const uint64_t fuzz_ns = window_ns ? rng_() % (window_ns + 1) : 0;
  return now + (int64_t(lifetime_seconds) - int64_t(o.rekey_margin_time_seconds)) * kSecondNs - int64_t(fuzz_ns);
}

// Carries what one message changed into the tunnel's keys and SA list.
void Tunnel::apply(SaEntry& e, IkeSa::Outcome& out, int64_t now) {
  const auto& o = spec_.options;
  if (e.sa->state() == IkeState::established && e.ike_rekey_at == 0 && !e.sa->superseded())
    e.ike_rekey_at = rekey_deadline(o.phase1_lifetime_seconds, o.lab_ike_rekey_seconds, now);
  if (out.successor) {
    SaEntry& next = sas_.emplace_back();
    next.sa = std::move(out.successor);
    next.created_ns = next.last_heard_ns = now;
    next.source = e.source;
    next.ike_rekey_at = rekey_deadline(o.phase1_lifetime_seconds, o.lab_ike_rekey_seconds, now);
    note("IKE SA rekeyed: new SPIs " + hex64(next.sa->spi_i()) + "/" + hex64(next.sa->spi_r()));
  }
  if (out.child) {
    // A second IKE SA for this tunnel (the peer restarted): it replaces the old one.
    if (!out.child->rekeys_spi_in && has_other_established(e)) retire_others(e, now);
    if (auto err = keys_.add(*out.child, out.child->rekeys_spi_in)) {
      note("Child SA not installed: " + *err);
    } else {
      ++(out.child->rekeys_spi_in ? rekeys_ : established_count_);
      esp_transform_ = transform_name(*out.child);
      recent_children_.push_back(*out.child);
      if (recent_children_.size() > 8) recent_children_.pop_front();
      rekey_at_[out.child->spi_in] = rekey_deadline(o.phase2_lifetime_seconds, o.lab_child_rekey_seconds, now);
      if (out.child->rekeys_spi_in) rekey_at_.erase(*out.child->rekeys_spi_in);
    }
    if (e.source.natt) {
      std::memcpy(&esp_peer_, &e.source.addr, sizeof e.source.addr);
      esp_peer_len_ = sizeof e.source.addr;
    }
    keys_changed_ = true;
  }
  for (uint32_t spi : out.deleted_spis_in) {
    keys_.remove(spi, now);
    rekey_at_.erase(spi);
    keys_changed_ = true;
  }
  const bool gone = out.ike_sa_deleted || e.sa->state() == IkeState::failed;
  if (out.ike_sa_deleted && !e.sa->superseded()) {  // a rekeyed SA's Child SAs live on in its successor
    keys_.clear(now);
    rekey_at_.clear();
    keys_changed_ = true;
    // The peer closed the tunnel (restart, maintenance): with startup action "start" we keep
    // it up, as strongSwan's close_action = start does.
    if (o.startup_action == StartupAction::start && !has_other_established(e) && initiate_at_ == 0) {
      initiate_at_ = now + kReinitiateAfterCloseNs;
      note("peer deleted the IKE SA; initiating again");
    }
  }
  if (e.sa->state() == IkeState::failed && e.sa->role() == IkeSa::Role::initiator) schedule_initiation(now);
  if (gone) erase(e);
  else send_request(e, e.sa->next_request(), now);
}

bool Tunnel::has_other_established(const SaEntry& e) const {
  for (const auto& s : sas_)
    if (&s != &e && s.sa->state() == IkeState::established && !s.sa->superseded()) return true;
  return false;
}

void Tunnel::retire_others(const SaEntry& keep, int64_t now) {
  for (auto& s : sas_)
    if (&s != &keep && s.sa->state() == IkeState::established) send(s.source, s.sa->delete_request());
  std::erase_if(sas_, [&](const SaEntry& s) { return &s != &keep; });
  keys_.clear(now);
  rekey_at_.clear();
  note("new IKE SA replaces the previous one");
}

void Tunnel::erase(const SaEntry& e) {
  std::erase_if(sas_, [&](const SaEntry& s) { return &s == &e; });
}

// Startup action "start" and DPD action "restart": we initiate, now or after a failed attempt.
void Tunnel::schedule_initiation(int64_t now) {
  const bool ours = spec_.options.startup_action == StartupAction::start ||
                    spec_.options.dpd_timeout_action == DpdAction::restart;
  if (ours && initiate_at_ == 0) initiate_at_ = now + kRetryInitiationNs;
}

void Tunnel::initiate(int64_t now) {
  initiate_at_ = 0;
  SaEntry& e = sas_.emplace_back();
  e.sa = std::make_unique<IkeSa>(ike_cfg_, random_nonzero(), IkeSa::Role::initiator);
  e.created_ns = now;
  e.source.addr = v4_sockaddr(spec_.peer, local_.ike_port);
  note("initiating IKE_SA_INIT to " + spec_.peer.to_string());
  send_request(e, e.sa->start(endpoints(e.source)), now);
}

bool Tunnel::has_live_sa() const {
  for (const auto& s : sas_)
    if (s.sa->state() != IkeState::failed) return true;
  return false;
}

void Tunnel::update_timers(int64_t now) {
  if (keys_.poll(now)) keys_changed_ = true;
  std::erase_if(sas_, [&](const SaEntry& s) {
    const bool stale = s.sa->state() != IkeState::established && now - s.created_ns > kHalfOpenTimeoutNs;
    return stale && s.sa->role() == IkeSa::Role::responder;
  });
  initiator_timeouts(now);
  if (dead_peer_detection(now)) keys_changed_ = true;
  rekey_due(now);
  nat_keepalive(now);
  if (initiate_at_ != 0 && now >= initiate_at_ && !has_live_sa()) initiate(now);
}

int64_t Tunnel::next_deadline(int64_t now) const {
  int64_t at = now + kPollNs;
  auto sooner = [&](int64_t t) { if (t != 0) at = std::min(at, std::max(t, now)); };
  sooner(initiate_at_);
  for (const auto& [spi, when] : rekey_at_) sooner(when);
  const int64_t timeout_ns = int64_t(spec_.options.dpd_timeout_seconds) * kSecondNs;
  for (const auto& e : sas_) {
    if (e.sa->state() != IkeState::established) sooner(e.created_ns + kHalfOpenTimeoutNs + 1);
    else sooner(e.ike_rekey_at);
    if (e.sa->request_outstanding() && !e.tracked.empty()) {
      sooner(retransmit_at(e));
      if (e.sa->state() == IkeState::established) sooner(e.request_first_ns + timeout_ns);
    } else if (e.sa->state() == IkeState::established) {
      sooner(e.last_heard_ns + int64_t(local_.dpd_idle_seconds) * kSecondNs);
    }
  }
  return at;
}

// Our IKE_SA_INIT / IKE_AUTH unanswered: retransmit with back-off, give up after a while.
void Tunnel::initiator_timeouts(int64_t now) {
  for (auto it = sas_.begin(); it != sas_.end(); ++it) {
    SaEntry& e = *it;
    if (e.sa->state() == IkeState::established || e.sa->role() != IkeSa::Role::initiator) continue;
    if (now - e.request_first_ns > kHalfOpenTimeoutNs) {
      note("no answer to our " + std::string(e.sa->state() == IkeState::idle ? "IKE_SA_INIT" : "IKE_AUTH") +
           " after " + std::to_string(e.request_sends) + " transmissions; retrying later");
      sas_.erase(it);
      initiate_at_ = now + kRetryInitiationNs;
      return;
    }
    retransmit_if_due(e, now);
  }
}

// RFC 7296 2.1: the same bytes again, 1, 2, 4, 8, 16, 32, 32 ... seconds after the last send.
int64_t Tunnel::retransmit_at(const SaEntry& e) const {
  const int64_t backoff = std::min(kSecondNs << std::min(e.request_sends - 1, 5u), kMaxBackoffNs);
  return e.request_last_ns + backoff;
}

void Tunnel::retransmit_if_due(SaEntry& e, int64_t now) {
  if (!e.sa->request_outstanding() || e.tracked.empty()) return;
  if (now >= retransmit_at(e)) send_request(e, e.tracked, now);
}

// RFC 3948 2.3: a single 0xff byte on 4500 when we have sent nothing for a while.
void Tunnel::nat_keepalive(int64_t now) {
  const auto& out = keys_.outbound();
  if (!out || !established()) return;
  const uint64_t packets = out->counters.packets.load(std::memory_order_relaxed);
  if (out.get() != quiet_sa_ || packets != quiet_packets_) {
    quiet_sa_ = out.get();
    quiet_packets_ = packets;
    quiet_since_ns_ = now;
    return;
  }
  if (now - quiet_since_ns_ < kNatKeepaliveNs) return;
  Source to;
  std::memcpy(&to.addr, &esp_peer_, sizeof to.addr);
  to.natt = true;
  outgoing_.push_back({to, {0xff}, true});
  quiet_since_ns_ = now;
  ++keepalives_sent_;
}

void Tunnel::rekey_due(int64_t now) {
  SaEntry* e = established();
  if (!e) return;
  if (e->ike_rekey_at != 0 && now >= e->ike_rekey_at) {
    e->ike_rekey_at = 0;
    note("rekeying the IKE SA (AWS performs the rekey)");
    send_request(*e, e->sa->rekey_ike_request(), now);
  }
  for (auto it = rekey_at_.begin(); it != rekey_at_.end();) {
    if (now < it->second) {
      ++it;
      continue;
    }
    note("rekeying Child SA " + hex32(it->first) + " (AWS performs the rekey)");
    send_request(*e, e->sa->rekey_child_request(it->first), now);
    it = rekey_at_.erase(it);
  }
}

Tunnel::SaEntry* Tunnel::established() {
  for (auto& s : sas_)
    if (s.sa->state() == IkeState::established && !s.sa->superseded()) return &s;
  return nullptr;
}

const Tunnel::SaEntry* Tunnel::established() const { return const_cast<Tunnel*>(this)->established(); }

int64_t Tunnel::last_esp_ns() const {
  std::vector<std::shared_ptr<InboundSa>> in;
  keys_.collect_inbound(in);
  int64_t last = 0;
  for (const auto& sa : in) last = std::max(last, sa->counters.last_packet_ns.load(std::memory_order_relaxed));
  return last;
}

// AWS's DPD: a liveness check after dpd_idle_seconds without traffic from the peer; dead when a
// request of ours stays unanswered for DPDTimeoutSeconds, then DPDTimeoutAction.
bool Tunnel::dead_peer_detection(int64_t now) {
  const int64_t idle_ns = int64_t(local_.dpd_idle_seconds) * kSecondNs;
  const int64_t timeout_ns = int64_t(spec_.options.dpd_timeout_seconds) * kSecondNs;
  const int64_t last_esp = last_esp_ns();
  for (auto it = sas_.begin(); it != sas_.end(); ++it) {
    SaEntry& e = *it;
    if (e.sa->state() != IkeState::established || e.sa->superseded()) continue;
    const int64_t heard = std::max(e.last_heard_ns, last_esp);
    if (!e.sa->request_outstanding()) {
      if (now - heard >= idle_ns) send_request(e, e.sa->liveness_request(), now);
      continue;
    }
    if (now - e.request_first_ns < timeout_ns || e.request_first_ns < heard) {
      retransmit_if_due(e, now);
      continue;
    }
    if (!e.dpd_reported) {
      ++dpd_timeouts_;
      note("AWS tunnel DPD timed out after " + std::to_string(e.request_sends - 1) + " retransmits");
      e.dpd_reported = true;
    }
    if (spec_.options.dpd_timeout_action == DpdAction::none) {
      retransmit_if_due(e, now);  // keep the tunnel as it is and keep asking
      continue;
    }
    keys_.clear(now);
    rekey_at_.clear();
    sas_.erase(it);
    if (spec_.options.dpd_timeout_action == DpdAction::restart) initiate_at_ = now;
    return true;
  }
  return false;
}

void Tunnel::restart(int64_t now) {
  for (auto& e : sas_)
    if (e.sa->state() == IkeState::established) send(e.source, e.sa->delete_request());
  sas_.clear();
  keys_.clear(now);
  rekey_at_.clear();
  note("tunnel endpoint replaced: IKE SA deleted, " +
       std::string(spec_.options.startup_action == StartupAction::start ? "initiating again" : "waiting for the peer"));
  if (spec_.options.startup_action == StartupAction::start) initiate_at_ = now + kReinitiateAfterCloseNs;
  keys_changed_ = true;
}

void Tunnel::stop() {
  for (auto& e : sas_) send(e.source, e.sa->delete_request());
}

void Tunnel::esp_peer(sockaddr_storage& out, socklen_t& len) const {
  out = esp_peer_;
  len = esp_peer_len_;
}

std::vector<std::string> Tunnel::wireshark_esp_sa() const {
  std::vector<std::string> out;
  for (const auto& k : recent_children_)
    for (auto& l : wireshark_esp_sa_lines(k)) out.push_back(std::move(l));
  return out;
}

nlohmann::json Tunnel::summary() const {
  const IkeSa* est = nullptr;
  bool negotiating = false, rekeying = false;
  for (const auto& s : sas_) {
    if (s.sa->state() == IkeState::established && !s.sa->superseded()) est = s.sa.get();
    else if (s.sa->superseded()) rekeying = true;
    else if (s.sa->state() != IkeState::failed) negotiating = true;
  }
  const char* phase1 = rekeying ? "Rekeying" : est ? "Established" : negotiating ? "Negotiating" : "Down";
  const char* phase2 = keys_.rekey_pending() ? "Rekeying"
                       : keys_.outbound()     ? "Established"
                       : est                  ? "Negotiating"
                                              : "Down";
  nlohmann::json tj{{"name", spec_.name},
                    {"peer", spec_.peer.to_string()},
                    {"TunnelIKEPhase1State", phase1},
                    {"TunnelIKEPhase2State", phase2},
                    {"dpd_timeout_seconds", spec_.options.dpd_timeout_seconds},
                    {"dpd_timeout_action", dpd_action_name(spec_.options.dpd_timeout_action)},
                    {"child_sas_established", established_count_},
                    {"child_sa_rekeys", rekeys_},
                    {"dpd_timeouts", dpd_timeouts_},
                    {"nat_keepalives_sent", keepalives_sent_},
                    {"log", nlohmann::json(std::vector<std::string>(log_.begin(), log_.end()))}};
  if (est) tj["ike_sa"] = {{"spi_i", hex64(est->spi_i())}, {"spi_r", hex64(est->spi_r())}};
  if (const auto& out = keys_.outbound()) {
    tj["child_sa"] = {{"spi_out", hex32(out->spi)}, {"transform", esp_transform_}};
    if (auto in = keys_.current_inbound()) tj["child_sa"]["spi_in"] = hex32(in->spi);
  }
  return tj;
}

}  // namespace vpngw::ike
