#include "proto/ike/endpoint.hpp"
#include "proto/ike/wireshark_sa.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <arpa/inet.h>
#include <netinet/in.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <ctime>
#include <deque>
#include <list>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/hex.hpp"
#include "common/bytes.hpp"
#include "proto/ike/cookie.hpp"
#include "dataplane/udp_socket.hpp"

namespace vpngw::ike {
namespace {

using boost::asio::ip::udp;

constexpr size_t kMaxHalfOpenPerTunnel = 8;  // IKE_SA_INITs waiting for IKE_AUTH
constexpr size_t kCookieThreshold = 4;       // from this many half-open SAs on, demand a cookie
constexpr int64_t kCookieSecretLifetimeNs = 300'000'000'000;
constexpr int64_t kHalfOpenTimeoutNs = 30'000'000'000;
constexpr size_t kLogLines = 32;
constexpr size_t kNonEspMarker = 4;
constexpr int64_t kRetryInitiationNs = 5'000'000'000;
constexpr int64_t kReinitiateAfterCloseNs = 500'000'000;
constexpr int64_t kNatKeepaliveNs = 20'000'000'000;  // RFC 3948 4: 20 s is the usual interval

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

struct Source {
  sockaddr_in addr{};
  bool natt = false;  // arrived on 4500 behind the non-ESP marker
};

}  // namespace

struct Endpoint::Impl {
  // One IKE SA of a tunnel, with what the endpoint tracks around it.
  struct SaEntry {
    std::unique_ptr<IkeSa> sa;
    int64_t created_ns = 0;
    int64_t last_heard_ns = 0;  // the last authenticated message from the peer
    Source source;              // where the peer's messages come from, and ours go
    // Our outstanding request, for retransmission with back-off and dead-peer detection.
    std::vector<uint8_t> tracked;
    int64_t request_first_ns = 0, request_last_ns = 0;
    unsigned request_sends = 0;
    bool dpd_reported = false;
    int64_t ike_rekey_at = 0;  // when we rekey this IKE SA (AWS performs the rekey); 0: not scheduled
  };
  struct Tunnel {
    TunnelSpec spec;
    IkeConfig ike_cfg;
    TunnelKeys keys;
    std::list<SaEntry> sas;  // a list: entries are erased while others are referenced
    sockaddr_storage esp_peer{};
    socklen_t esp_peer_len = 0;
    std::deque<std::string> log;
    uint64_t established_count = 0, dpd_timeouts = 0, rekeys = 0;
    std::string esp_transform;  // of the newest Child SA, e.g. "AES128-CBC/HMAC-SHA1-96"
    std::map<uint32_t, int64_t> rekey_at;  // our inbound SPI -> when we rekey that Child SA
    int64_t initiate_at = 0;  // when to start an IKE SA ourselves; 0: wait for the peer
    // NAT-T keepalives: we claim to be behind NAT, so we keep the (claimed) mapping open.
    const OutboundSa* quiet_sa = nullptr;
    uint64_t quiet_packets = 0;
    int64_t quiet_since_ns = 0;
    uint64_t keepalives_sent = 0;
    std::deque<ChildSaKeys> recent_children = {};  // for `ctl ike-esp-sa` (lab captures); at most 8
  };

  boost::asio::io_context& io;
  EndpointConfig cfg;
  ControlInbox& inbox;
  std::function<void()> keys_changed;
  std::deque<Tunnel> tunnels;  // never relocated: SaEntry is not copyable
  udp::socket ike_socket;
  boost::asio::posix::stream_descriptor inbox_wait;
  boost::asio::steady_timer tick;
  std::array<uint8_t, 65536> rx_buf;
  udp::endpoint rx_from;
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t dropped_unknown_peer = 0, dropped_malformed = 0, dropped_half_open = 0, cookies_sent = 0;
  CookieJar cookies;
  int64_t cookie_rotated_ns = monotonic_ns();
  bool stopped = false;

  Impl(boost::asio::io_context& io_, EndpointConfig c, ControlInbox& in, std::vector<TunnelSpec> specs,
       std::function<void()> changed)
      : io(io_), cfg(c), inbox(in), keys_changed(std::move(changed)), ike_socket(io_), inbox_wait(io_), tick(io_) {
    for (auto& s : specs) {
      Tunnel& t = tunnels.emplace_back(Tunnel{s, {}, TunnelKeys(s.replay_window), {}, {}, 0, {}, 0, 0, 0, {}, {}, 0});
      t.ike_cfg.psk = t.spec.options.pre_shared_key;
      t.ike_cfg.local_id = ipv4_id(cfg.local);
      t.ike_cfg.ike_proposals = ike_proposals(t.spec.options);
      t.ike_cfg.esp_proposals = esp_proposals(t.spec.options);
      UdpSocket::fill_sockaddr(t.spec.peer, t.spec.peer_port, t.esp_peer, t.esp_peer_len);
    }
  }

  void note(Tunnel& t, const std::string& line) {
    spdlog::info("ike {}: {}", t.spec.name, line);
    t.log.push_back(line);
    if (t.log.size() > kLogLines) t.log.pop_front();
  }

  Tunnel* tunnel_for(const sockaddr_in& from) {
    for (auto& t : tunnels)
      if (!t.spec.peer.v6 && t.spec.peer.v4_host_order() == ntohl(from.sin_addr.s_addr)) return &t;
    return nullptr;
  }

  void send(const Source& to, std::span<const uint8_t> message) {
    if (message.empty()) return;
    if (to.natt) {
      std::vector<uint8_t> wire(kNonEspMarker, 0);
      wire.insert(wire.end(), message.begin(), message.end());
      // The data plane's socket: sendto is safe beside the worker's sendmmsg on the same fd.
      ::sendto(cfg.natt_fd, wire.data(), wire.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to.addr),
               sizeof to.addr);
    } else {
      boost::system::error_code ec;
      const udp::endpoint ep(boost::asio::ip::address_v4(ntohl(to.addr.sin_addr.s_addr)), ntohs(to.addr.sin_port));
      ike_socket.send_to(boost::asio::buffer(message.data(), message.size()), ep, 0, ec);
    }
  }

  IkeSa::Endpoints endpoints(const Source& s) const {
    return {cfg.local.v4_host_order(), ntohl(s.addr.sin_addr.s_addr), s.natt ? cfg.natt_port : cfg.ike_port,
            ntohs(s.addr.sin_port)};
  }

  // Sends a request of ours and starts its retransmission clock (a new request only).
  void send_request(SaEntry& e, const std::vector<uint8_t>& bytes, int64_t now) {
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

  void receive(std::span<const uint8_t> bytes, const Source& src) {
    Tunnel* t = tunnel_for(src.addr);
    if (!t) {
      ++dropped_unknown_peer;
      return;
    }
    auto h = parse_header(bytes);
    if (!h) {
      ++dropped_malformed;
      return;
    }
    const int64_t now = monotonic_ns();
    SaEntry* e = nullptr;
    if (h->exchange == Exchange::ike_sa_init && h->spi_r == 0 && !h->response()) {
      for (auto& s : t->sas)
        if (s.sa->role() == IkeSa::Role::responder && s.sa->spi_i() == h->spi_i && s.sa->state() != IkeState::established)
          e = &s;
      if (!e) {
        size_t half_open = 0;
        for (const auto& s : t->sas) half_open += s.sa->state() != IkeState::established;
        if (half_open >= kCookieThreshold && !cookie_ok(bytes, h.value(), src)) return;
        if (half_open >= kMaxHalfOpenPerTunnel) {
          ++dropped_half_open;
          return;
        }
        e = &t->sas.emplace_back();
        e->sa = std::make_unique<IkeSa>(t->ike_cfg, random_nonzero());
        e->created_ns = now;
        e->source = src;
      }
    } else {
      for (auto& s : t->sas) {
        const bool init_answer = s.sa->role() == IkeSa::Role::initiator && s.sa->state() == IkeState::idle;
        if (s.sa->spi_i() == h->spi_i && (s.sa->spi_r() == h->spi_r || init_answer)) e = &s;
      }
      if (!e) {
        ++dropped_malformed;
        return;
      }
    }
    auto out = e->sa->handle(bytes, endpoints(src));
    if (!out.log.empty()) note(*t, out.log);
    if (!out.reply.empty() || out.answered) {  // the message authenticated (or was a valid IKE_SA_INIT)
      e->last_heard_ns = now;
      e->source = src;
    }
    if (out.answered) e->tracked.clear();
    // An initiator moves to 4500 after IKE_SA_INIT (we always claim NAT: ESP only goes in UDP).
    if (e->sa->role() == IkeSa::Role::initiator && e->sa->state() == IkeState::init_done && !e->source.natt) {
      e->source.natt = true;
      e->source.addr.sin_port = htons(t->spec.peer_port);
    }
    if (!out.reply.empty()) {
      if (e->sa->request_outstanding() && e->sa->outstanding_request() == out.reply) send_request(*e, out.reply, now);
      else send(e->source, out.reply);
    }
    apply(*t, *e, out, now);  // may erase e
  }

  // Under load an IKE_SA_INIT must bring back the cookie we handed its source address (RFC 7296
  // 2.6); without one it gets a COOKIE and no state. False: answered (or dropped), stop here.
  bool cookie_ok(std::span<const uint8_t> bytes, const Header& h, const Source& src) {
    auto m = parse_message(bytes);
    const Payload* nonce = m ? m->find(payload::nonce) : nullptr;
    if (!nonce) {
      ++dropped_malformed;
      return false;
    }
    const uint32_t ip = ntohl(src.addr.sin_addr.s_addr);
    const Payload* first = m->payloads.empty() ? nullptr : &m->payloads.front();
    auto n = first && first->type == payload::notify ? parse_notify(first->body) : Unexpected(ParseError{"no notify"});
    if (n && n->type == notify::cookie && cookies.valid(n->data, h.spi_i, nonce->body, ip)) return true;
    Header answer = h;
    answer.spi_r = 0;
    answer.flags = kFlagResponse;
    send(src, encode_message(answer, {{payload::notify, false,
                                       encode_notify({Protocol::ike, {}, notify::cookie, cookies.make(h.spi_i, nonce->body, ip)})}}));
    ++cookies_sent;
    return false;
  }

  uint64_t random_nonzero() {
    uint64_t v = 0;
    while (v == 0) v = rng();
    return v;
  }

  // When AWS rekeys a Child SA: phase 2 lifetime minus the margin, minus up to fuzz% of the margin.
  int64_t rekey_deadline(const Tunnel& t, int64_t now) {
    const auto& o = t.spec.options;
    if (o.lab_child_rekey_seconds) return now + int64_t(o.lab_child_rekey_seconds) * 1'000'000'000;
    const uint64_t window = uint64_t(o.rekey_margin_time_seconds) * o.rekey_fuzz_percentage / 100;
    const uint64_t fuzz = window ? rng() % (window + 1) : 0;
    const uint64_t seconds = o.phase2_lifetime_seconds - o.rekey_margin_time_seconds - fuzz;
    return now + int64_t(seconds) * 1'000'000'000;
  }

  int64_t ike_rekey_deadline(const Tunnel& t, int64_t now) {
    const auto& o = t.spec.options;
    if (o.lab_ike_rekey_seconds) return now + int64_t(o.lab_ike_rekey_seconds) * 1'000'000'000;
    const uint64_t window = uint64_t(o.rekey_margin_time_seconds) * o.rekey_fuzz_percentage / 100;
    const uint64_t fuzz = window ? rng() % (window + 1) : 0;
    return now + int64_t(o.phase1_lifetime_seconds - o.rekey_margin_time_seconds - fuzz) * 1'000'000'000;
  }

  // Carries what one message changed into the tunnel's keys and SA list.
  void apply(Tunnel& t, SaEntry& e, IkeSa::Outcome& out, int64_t now) {
    bool changed = false;
    if (e.sa->state() == IkeState::established && e.ike_rekey_at == 0 && !e.sa->superseded())
      e.ike_rekey_at = ike_rekey_deadline(t, now);
    if (out.successor) {
      SaEntry& next = t.sas.emplace_back();
      next.sa = std::move(out.successor);
      next.created_ns = next.last_heard_ns = now;
      next.source = e.source;
      next.ike_rekey_at = ike_rekey_deadline(t, now);
      note(t, "IKE SA rekeyed: new SPIs " + hex64(next.sa->spi_i()) + "/" + hex64(next.sa->spi_r()));
    }
    if (out.child) {
      // A second IKE SA for this tunnel (the peer restarted): it replaces the old one.
      if (!out.child->rekeys_spi_in && has_other_established(t, e)) retire_others(t, e, now);
      if (auto err = t.keys.add(*out.child, out.child->rekeys_spi_in)) {
        note(t, "Child SA not installed: " + *err);
      } else {
        ++(out.child->rekeys_spi_in ? t.rekeys : t.established_count);
        t.esp_transform = transform_name(*out.child);
        t.recent_children.push_back(*out.child);
        if (t.recent_children.size() > 8) t.recent_children.pop_front();
        t.rekey_at[out.child->spi_in] = rekey_deadline(t, now);
        if (out.child->rekeys_spi_in) t.rekey_at.erase(*out.child->rekeys_spi_in);
      }
      if (e.source.natt) {
        std::memcpy(&t.esp_peer, &e.source.addr, sizeof e.source.addr);
        t.esp_peer_len = sizeof e.source.addr;
      }
      changed = true;
    }
    for (uint32_t spi : out.deleted_spis_in) {
      t.keys.remove(spi, now);
      t.rekey_at.erase(spi);
      changed = true;
    }
    const bool gone = out.ike_sa_deleted || e.sa->state() == IkeState::failed;
    if (out.ike_sa_deleted && !e.sa->superseded()) {  // a rekeyed SA's Child SAs live on in its successor
      t.keys.clear(now);
      t.rekey_at.clear();
      changed = true;
      // The peer closed the tunnel (restart, maintenance): with startup action "start" we keep
      // it up, as strongSwan's close_action = start does.
      if (t.spec.options.startup_action == StartupAction::start && !has_other_established(t, e) && t.initiate_at == 0) {
        t.initiate_at = now + kReinitiateAfterCloseNs;
        note(t, "peer deleted the IKE SA; initiating again");
      }
    }
    if (e.sa->state() == IkeState::failed && e.sa->role() == IkeSa::Role::initiator) schedule_initiation(t, now);
    if (gone) erase(t, e);
    else send_request(e, e.sa->next_request(), now);
    if (changed) keys_changed();
  }

  static bool has_other_established(const Tunnel& t, const SaEntry& e) {
    for (const auto& s : t.sas)
      if (&s != &e && s.sa->state() == IkeState::established && !s.sa->superseded()) return true;
    return false;
  }

  void retire_others(Tunnel& t, const SaEntry& keep, int64_t now) {
    for (auto& s : t.sas)
      if (&s != &keep && s.sa->state() == IkeState::established) send(s.source, s.sa->delete_request());
    std::erase_if(t.sas, [&](const SaEntry& s) { return &s != &keep; });
    t.keys.clear(now);
    t.rekey_at.clear();
    note(t, "new IKE SA replaces the previous one");
  }

  void erase(Tunnel& t, const SaEntry& e) {
    std::erase_if(t.sas, [&](const SaEntry& s) { return &s == &e; });
  }

  // Startup action "start" and DPD action "restart": we initiate, now or after a failed attempt.
  void schedule_initiation(Tunnel& t, int64_t now) {
    const bool ours = t.spec.options.startup_action == StartupAction::start ||
                      t.spec.options.dpd_timeout_action == DpdAction::restart;
    if (ours && t.initiate_at == 0) t.initiate_at = now + kRetryInitiationNs;
  }

  void initiate(Tunnel& t, int64_t now) {
    t.initiate_at = 0;
    SaEntry& e = t.sas.emplace_back();
    e.sa = std::make_unique<IkeSa>(t.ike_cfg, random_nonzero(), IkeSa::Role::initiator);
    e.created_ns = now;
    e.source.addr.sin_family = AF_INET;
    e.source.addr.sin_addr.s_addr = htonl(t.spec.peer.v4_host_order());
    e.source.addr.sin_port = htons(cfg.ike_port);
    note(t, "initiating IKE_SA_INIT to " + t.spec.peer.to_string());
    send_request(e, e.sa->start(endpoints(e.source)), now);
  }

  // Twice a second: retransmissions, make-before-break switches, lingering SAs, half-open expiry,
  // our Child SA rekeys, dead-peer detection, and initiations that are due.
  void on_tick() {
    const int64_t now = monotonic_ns();
    bool changed = false;
    if (now - cookie_rotated_ns > kCookieSecretLifetimeNs) {
      cookies.rotate();
      cookie_rotated_ns = now;
    }
    for (auto& t : tunnels) {
      changed |= t.keys.poll(now);
      std::erase_if(t.sas, [&](const SaEntry& s) {
        const bool stale = s.sa->state() != IkeState::established && now - s.created_ns > kHalfOpenTimeoutNs;
        return stale && s.sa->role() == IkeSa::Role::responder;
      });
      initiator_timeouts(t, now);
      changed |= dead_peer_detection(t, now);
      rekey_due_children(t, now);
      nat_keepalive(t, now);
      if (t.initiate_at != 0 && now >= t.initiate_at && !has_live_sa(t)) initiate(t, now);
    }
    if (changed) keys_changed();
  }

  static bool has_live_sa(const Tunnel& t) {
    for (const auto& s : t.sas)
      if (s.sa->state() != IkeState::failed) return true;
    return false;
  }

  // Our IKE_SA_INIT / IKE_AUTH unanswered: retransmit with back-off, give up after a while.
  void initiator_timeouts(Tunnel& t, int64_t now) {
    for (auto it = t.sas.begin(); it != t.sas.end(); ++it) {
      SaEntry& e = *it;
      if (e.sa->state() == IkeState::established || e.sa->role() != IkeSa::Role::initiator) continue;
      if (now - e.request_first_ns > kHalfOpenTimeoutNs) {
        note(t, "no answer to our " + std::string(e.sa->state() == IkeState::idle ? "IKE_SA_INIT" : "IKE_AUTH") +
                    " after " + std::to_string(e.request_sends) + " transmissions; retrying later");
        t.sas.erase(it);
        t.initiate_at = now + kRetryInitiationNs;
        return;
      }
      retransmit_if_due(e, now);
    }
  }

  // RFC 7296 2.1: the same bytes again, at 1, 2, 4, 8 ... seconds.
  void retransmit_if_due(SaEntry& e, int64_t now) {
    if (!e.sa->request_outstanding() || e.tracked.empty()) return;
    const int64_t backoff = int64_t(1'000'000'000) << std::min(e.request_sends - 1, 5u);
    if (now - e.request_last_ns >= backoff) send_request(e, e.tracked, now);
  }

  // RFC 3948 2.3: a single 0xff byte on 4500 when we have sent nothing for a while.
  void nat_keepalive(Tunnel& t, int64_t now) {
    const auto& out = t.keys.outbound();
    if (!out || !established(t)) return;
    const uint64_t packets = out->counters.packets.load(std::memory_order_relaxed);
    if (out.get() != t.quiet_sa || packets != t.quiet_packets) {
      t.quiet_sa = out.get();
      t.quiet_packets = packets;
      t.quiet_since_ns = now;
      return;
    }
    if (now - t.quiet_since_ns < kNatKeepaliveNs) return;
    const uint8_t keepalive = 0xff;
    ::sendto(cfg.natt_fd, &keepalive, 1, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&t.esp_peer), t.esp_peer_len);
    t.quiet_since_ns = now;
    ++t.keepalives_sent;
  }

  void rekey_due_children(Tunnel& t, int64_t now) {
    SaEntry* e = established(t);
    if (!e) return;
    if (e->ike_rekey_at != 0 && now >= e->ike_rekey_at) {
      e->ike_rekey_at = 0;
      note(t, "rekeying the IKE SA (AWS performs the rekey)");
      send_request(*e, e->sa->rekey_ike_request(), now);
    }
    for (auto it = t.rekey_at.begin(); it != t.rekey_at.end();) {
      if (now < it->second) {
        ++it;
        continue;
      }
      note(t, "rekeying Child SA " + hex32(it->first) + " (AWS performs the rekey)");
      send_request(*e, e->sa->rekey_child_request(it->first), now);
      it = t.rekey_at.erase(it);
    }
  }

  SaEntry* established(Tunnel& t) {
    for (auto& s : t.sas)
      if (s.sa->state() == IkeState::established && !s.sa->superseded()) return &s;
    return nullptr;
  }

  int64_t last_esp_ns(const Tunnel& t) const {
    std::vector<std::shared_ptr<InboundSa>> in;
    t.keys.collect_inbound(in);
    int64_t last = 0;
    for (const auto& sa : in) last = std::max(last, sa->counters.last_packet_ns.load(std::memory_order_relaxed));
    return last;
  }

  // AWS's DPD: a liveness check after 10 s without traffic from the peer; dead when a request
  // of ours stays unanswered for DPDTimeoutSeconds, then DPDTimeoutAction.
  bool dead_peer_detection(Tunnel& t, int64_t now) {
    const int64_t idle_ns = int64_t(cfg.dpd_idle_seconds) * 1'000'000'000;
    const int64_t timeout_ns = int64_t(t.spec.options.dpd_timeout_seconds) * 1'000'000'000;
    const int64_t last_esp = last_esp_ns(t);
    for (auto it = t.sas.begin(); it != t.sas.end(); ++it) {
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
        ++t.dpd_timeouts;
        note(t, "AWS tunnel DPD timed out after " + std::to_string(e.request_sends - 1) + " retransmits");
        e.dpd_reported = true;
      }
      if (t.spec.options.dpd_timeout_action == DpdAction::none) {
        retransmit_if_due(e, now);  // keep the tunnel as it is and keep asking
        continue;
      }
      t.keys.clear(now);
      t.rekey_at.clear();
      t.sas.erase(it);
      if (t.spec.options.dpd_timeout_action == DpdAction::restart) t.initiate_at = now;
      return true;
    }
    return false;
  }

  void read_ike_socket() {
    ike_socket.async_receive_from(boost::asio::buffer(rx_buf), rx_from, [this](boost::system::error_code ec, size_t n) {
      if (ec == boost::asio::error::operation_aborted || stopped) return;
      if (!ec && rx_from.address().is_v4()) {
        Source src;
        src.addr.sin_family = AF_INET;
        src.addr.sin_addr.s_addr = htonl(rx_from.address().to_v4().to_uint());
        src.addr.sin_port = htons(rx_from.port());
        receive({rx_buf.data(), n}, src);
      }
      read_ike_socket();
    });
  }

  void wait_inbox() {
    inbox_wait.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
      if (ec == boost::asio::error::operation_aborted || stopped) return;
      inbox.drain([this](const ControlInbox::Entry& e) {
        if (e.from.ss_family != AF_INET || e.len < kNonEspMarker) return;
        Source src;
        std::memcpy(&src.addr, &e.from, sizeof src.addr);
        src.natt = true;
        receive({e.data + kNonEspMarker, e.len - kNonEspMarker}, src);
      });
      wait_inbox();
    });
  }

  void schedule_tick() {
    tick.expires_after(std::chrono::milliseconds(500));
    tick.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      on_tick();
      schedule_tick();
    });
  }
};

Endpoint::Endpoint(boost::asio::io_context& io, EndpointConfig cfg, ControlInbox& inbox, std::vector<TunnelSpec> tunnels,
                   std::function<void()> keys_changed)
    : impl_(std::make_unique<Impl>(io, cfg, inbox, std::move(tunnels), std::move(keys_changed))) {
  if (cfg.local.v6) throw std::invalid_argument("IKE: outside.address must be IPv4 for IKE-keyed tunnels");
  const udp::endpoint ep(boost::asio::ip::address_v4(cfg.local.v4_host_order()), cfg.ike_port);
  impl_->ike_socket.open(udp::v4());
  boost::system::error_code ec;
  impl_->ike_socket.bind(ep, ec);
  if (ec)
    throw std::runtime_error("IKE: cannot bind UDP " + cfg.local.to_string() + ":" + std::to_string(cfg.ike_port) +
                             ": " + ec.message());
  impl_->inbox_wait.assign(::dup(inbox.wakeup_fd()));
}

Endpoint::~Endpoint() = default;

void Endpoint::start() {
  impl_->read_ike_socket();
  impl_->wait_inbox();
  impl_->schedule_tick();
  const int64_t now = monotonic_ns();
  for (auto& t : impl_->tunnels) {
    if (t.spec.options.startup_action == StartupAction::start) {
      impl_->initiate(t, now);
    } else {
      impl_->note(t, "waiting for the customer gateway to initiate (startup action add)");
    }
  }
}

void Endpoint::stop() {
  if (impl_->stopped) return;
  for (auto& t : impl_->tunnels)
    for (auto& e : t.sas) impl_->send(e.source, e.sa->delete_request());
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->ike_socket.close(ec);
  impl_->inbox_wait.close(ec);
  impl_->tick.cancel();
}

bool Endpoint::restart_tunnel(const std::string& name) {
  auto& m = *impl_;
  for (auto& t : m.tunnels) {
    if (t.spec.name != name) continue;
    const int64_t now = monotonic_ns();
    for (auto& e : t.sas)
      if (e.sa->state() == IkeState::established) m.send(e.source, e.sa->delete_request());
    t.sas.clear();
    t.keys.clear(now);
    t.rekey_at.clear();
    m.note(t, "tunnel endpoint replaced: IKE SA deleted, " +
                  std::string(t.spec.options.startup_action == StartupAction::start ? "initiating again" : "waiting for the peer"));
    if (t.spec.options.startup_action == StartupAction::start) t.initiate_at = now + kReinitiateAfterCloseNs;
    m.keys_changed();
    return true;
  }
  return false;
}

size_t Endpoint::tunnel_count() const { return impl_->tunnels.size(); }
const std::string& Endpoint::tunnel_name(size_t i) const { return impl_->tunnels.at(i).spec.name; }
const TunnelKeys& Endpoint::keys(size_t i) const { return impl_->tunnels.at(i).keys; }

void Endpoint::peer(size_t i, sockaddr_storage& out, socklen_t& len) const {
  const auto& t = impl_->tunnels.at(i);
  out = t.esp_peer;
  len = t.esp_peer_len;
}

std::string Endpoint::wireshark_esp_sa(const std::string& tunnel) const {
  std::string out;
  for (const auto& t : impl_->tunnels) {
    if (!tunnel.empty() && t.spec.name != tunnel) continue;
    for (const auto& k : t.recent_children) {
      for (const auto& l : wireshark_esp_sa_lines(k)) out += l + "\n";
    }
  }
  return out;
}

nlohmann::json Endpoint::summary() const {
  nlohmann::json j;
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (const auto& t : impl_->tunnels) {
    const IkeSa* established = nullptr;
    bool negotiating = false, rekeying = false;
    for (const auto& s : t.sas) {
      if (s.sa->state() == IkeState::established && !s.sa->superseded()) established = s.sa.get();
      else if (s.sa->superseded()) rekeying = true;
      else if (s.sa->state() != IkeState::failed) negotiating = true;
    }
    const char* phase1 = rekeying ? "Rekeying" : established ? "Established" : negotiating ? "Negotiating" : "Down";
    const char* phase2 = t.keys.rekey_pending() ? "Rekeying"
                         : t.keys.outbound()     ? "Established"
                         : established           ? "Negotiating"
                                                 : "Down";
    nlohmann::json tj{{"name", t.spec.name},
                      {"peer", t.spec.peer.to_string()},
                      {"TunnelIKEPhase1State", phase1},
                      {"TunnelIKEPhase2State", phase2},
                      {"dpd_timeout_seconds", t.spec.options.dpd_timeout_seconds},
                      {"dpd_timeout_action", dpd_action_name(t.spec.options.dpd_timeout_action)},
                      {"child_sas_established", t.established_count},
                      {"child_sa_rekeys", t.rekeys},
                      {"dpd_timeouts", t.dpd_timeouts},
                      {"nat_keepalives_sent", t.keepalives_sent},
                      {"log", nlohmann::json(std::vector<std::string>(t.log.begin(), t.log.end()))}};
    if (established) tj["ike_sa"] = {{"spi_i", hex64(established->spi_i())}, {"spi_r", hex64(established->spi_r())}};
    if (const auto& out = t.keys.outbound()) {
      tj["child_sa"] = {{"spi_out", hex32(out->spi)}, {"transform", t.esp_transform}};
      if (auto in = t.keys.current_inbound()) tj["child_sa"]["spi_in"] = hex32(in->spi);
    }
    tunnels.push_back(std::move(tj));
  }
  j["dropped"] = {{"unknown_peer", impl_->dropped_unknown_peer},
                  {"malformed_or_unknown_spi", impl_->dropped_malformed},
                  {"half_open_limit", impl_->dropped_half_open}};
  j["cookies_sent"] = impl_->cookies_sent;
  return j;
}

}  // namespace vpngw::ike
