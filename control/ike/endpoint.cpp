#include "control/ike/endpoint.hpp"

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
#include <nlohmann/json.hpp>
#include <random>
#include <spdlog/spdlog.h>

#include "common/bytes.hpp"
#include "dataplane/udp_socket.hpp"

namespace vpngw::ike {
namespace {

using boost::asio::ip::udp;

constexpr size_t kMaxHalfOpenPerTunnel = 8;  // IKE_SA_INITs waiting for IKE_AUTH
constexpr int64_t kHalfOpenTimeoutNs = 30'000'000'000;
constexpr size_t kLogLines = 32;
constexpr size_t kNonEspMarker = 4;

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Identification ipv4_id(const IpAddress& a) {
  const uint32_t v = a.v4_host_order();
  return {id_type::ipv4, {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}};
}

std::string hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string hex64(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
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
  struct IkeSa {
    std::unique_ptr<IkeSaResponder> r;
    int64_t created_ns = 0;
    int64_t last_heard_ns = 0;  // the last authenticated message from the peer
    Source source;              // where the peer's last message came from
    int64_t dpd_first_ns = 0;   // first unanswered liveness check; 0: none outstanding
    int64_t dpd_last_sent_ns = 0;
    unsigned dpd_sends = 0;
  };
  struct Tunnel {
    TunnelSpec spec;
    ResponderConfig rcfg;
    TunnelKeys keys;
    std::list<IkeSa> sas;  // a list: entries are erased while others are referenced
    sockaddr_storage esp_peer{};
    socklen_t esp_peer_len = 0;
    std::deque<std::string> log;
    uint64_t established_count = 0, dpd_timeouts = 0, rekeys = 0;
    std::string esp_transform;  // of the newest Child SA, e.g. "AES128-CBC/HMAC-SHA1-96"
  };

  boost::asio::io_context& io;
  EndpointConfig cfg;
  ControlInbox& inbox;
  std::function<void()> keys_changed;
  std::deque<Tunnel> tunnels;  // never relocated: IkeSa entries are not copyable
  udp::socket ike_socket;
  boost::asio::posix::stream_descriptor inbox_wait;
  boost::asio::steady_timer tick;
  std::array<uint8_t, 65536> rx_buf;
  udp::endpoint rx_from;
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t dropped_unknown_peer = 0, dropped_malformed = 0, dropped_half_open = 0;
  bool stopped = false;

  Impl(boost::asio::io_context& io_, EndpointConfig c, ControlInbox& in, std::vector<TunnelSpec> specs,
       std::function<void()> changed)
      : io(io_), cfg(c), inbox(in), keys_changed(std::move(changed)), ike_socket(io_), inbox_wait(io_), tick(io_) {
    for (auto& s : specs) {
      Tunnel& t = tunnels.emplace_back(Tunnel{s, {}, TunnelKeys(s.replay_window), {}, {}, 0, {}, 0, 0, 0});
      t.rcfg.psk = t.spec.options.pre_shared_key;
      t.rcfg.local_id = ipv4_id(cfg.local);
      t.rcfg.ike_proposals = ike_proposals(t.spec.options);
      t.rcfg.esp_proposals = esp_proposals(t.spec.options);
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
    IkeSa* sa = nullptr;
    if (h->exchange == Exchange::ike_sa_init && h->spi_r == 0 && !h->response()) {
      for (auto& s : t->sas)
        if (s.r->spi_i() == h->spi_i && s.r->state() != IkeState::established) sa = &s;
      if (!sa) {
        size_t half_open = 0;
        for (const auto& s : t->sas) half_open += s.r->state() != IkeState::established;
        if (half_open >= kMaxHalfOpenPerTunnel) {
          ++dropped_half_open;
          return;
        }
        uint64_t spi_r = 0;
        while (spi_r == 0) spi_r = rng();
        t->sas.push_back({std::make_unique<IkeSaResponder>(t->rcfg, spi_r), now, 0, src, 0, 0, 0});
        sa = &t->sas.back();
      }
    } else {
      for (auto& s : t->sas)
        if (s.r->spi_r() == h->spi_r && s.r->spi_i() == h->spi_i) sa = &s;
      if (!sa) {
        ++dropped_malformed;
        return;
      }
    }
    const uint32_t ip = ntohl(src.addr.sin_addr.s_addr);
    const IkeSaResponder::Endpoints ep{cfg.local.v4_host_order(), ip, src.natt ? cfg.natt_port : cfg.ike_port,
                                       ntohs(src.addr.sin_port)};
    auto out = sa->r->handle(bytes, ep);
    if (!out.log.empty()) note(*t, out.log);
    if (!out.reply.empty()) send(src, out.reply);
    if (!out.reply.empty() || out.answered) {  // the message authenticated (or was a valid IKE_SA_INIT)
      sa->last_heard_ns = now;
      sa->source = src;
    }
    if (out.answered) sa->dpd_first_ns = 0, sa->dpd_sends = 0;
    apply(*t, *sa, out, src, now);
  }

  // Carries what one message changed into the tunnel's keys and SA list.
  void apply(Tunnel& t, IkeSa& sa, const IkeSaResponder::Outcome& out, const Source& src, int64_t now) {
    bool changed = false;
    if (out.child) {
      // A second IKE SA for this tunnel (the peer restarted): it replaces the old one.
      if (!out.child->rekeys_spi_in && has_other_established(t, sa)) retire_others(t, sa, now);
      if (auto err = t.keys.add(*out.child, out.child->rekeys_spi_in)) {
        note(t, "Child SA not installed: " + *err);
      } else {
        ++(out.child->rekeys_spi_in ? t.rekeys : t.established_count);
        t.esp_transform = transform_name(*out.child);
      }
      if (src.natt) {
        std::memcpy(&t.esp_peer, &src.addr, sizeof src.addr);
        t.esp_peer_len = sizeof src.addr;
      }
      changed = true;
    }
    for (uint32_t spi : out.deleted_spis_in) {
      t.keys.remove(spi, now);
      changed = true;
    }
    if (out.ike_sa_deleted || sa.r->state() == IkeState::failed) {
      if (out.ike_sa_deleted) {
        t.keys.clear(now);
        changed = true;
      }
      erase(t, sa);
    }
    if (changed) keys_changed();
  }

  static bool has_other_established(const Tunnel& t, const IkeSa& sa) {
    for (const auto& s : t.sas)
      if (&s != &sa && s.r->state() == IkeState::established) return true;
    return false;
  }

  void retire_others(Tunnel& t, const IkeSa& keep, int64_t now) {
    std::erase_if(t.sas, [&](const IkeSa& s) { return &s != &keep && s.r->state() == IkeState::established; });
    t.keys.clear(now);
    note(t, "new IKE SA replaces the previous one (the customer gateway re-initiated)");
  }

  void erase(Tunnel& t, const IkeSa& sa) {
    std::erase_if(t.sas, [&](const IkeSa& s) { return &s == &sa; });
  }

  // Once a second: make-before-break switches, lingering SAs, half-open expiry, dead-peer detection.
  void on_tick() {
    const int64_t now = monotonic_ns();
    bool changed = false;
    for (auto& t : tunnels) {
      changed |= t.keys.poll(now);
      std::erase_if(t.sas, [&](const IkeSa& s) {
        return s.r->state() != IkeState::established && now - s.created_ns > kHalfOpenTimeoutNs;
      });
      changed |= dead_peer_detection(t, now);
    }
    if (changed) keys_changed();
  }

  int64_t last_esp_ns(const Tunnel& t) const {
    std::vector<std::shared_ptr<InboundSa>> in;
    t.keys.collect_inbound(in);
    int64_t last = 0;
    for (const auto& sa : in) last = std::max(last, sa->counters.last_packet_ns.load(std::memory_order_relaxed));
    return last;
  }

  bool dead_peer_detection(Tunnel& t, int64_t now) {
    const int64_t idle_ns = int64_t(cfg.dpd_idle_seconds) * 1'000'000'000;
    const int64_t timeout_ns = int64_t(t.spec.options.dpd_timeout_seconds) * 1'000'000'000;
    for (auto& sa : t.sas) {
      if (sa.r->state() != IkeState::established) continue;
      const int64_t heard = std::max(sa.last_heard_ns, last_esp_ns(t));
      if (sa.dpd_first_ns != 0 && heard > sa.dpd_first_ns) sa.dpd_first_ns = 0, sa.dpd_sends = 0;  // ESP is proof of life
      if (sa.dpd_first_ns == 0) {
        if (now - heard < idle_ns) continue;
        sa.dpd_first_ns = now;
      } else if (now - sa.dpd_first_ns >= timeout_ns) {
        ++t.dpd_timeouts;
        note(t, "AWS tunnel DPD timed out after " + std::to_string(sa.dpd_sends) + " retransmits");
        if (t.spec.options.dpd_timeout_action == DpdAction::none) {
          sa.dpd_first_ns = 0;
          sa.dpd_sends = 0;
          continue;
        }
        // clear (and restart, which would then initiate: until vpngw can initiate it waits for
        // the customer gateway like clear does).
        t.keys.clear(now);
        erase(t, sa);
        return true;
      } else if (now - sa.dpd_last_sent_ns < idle_ns / 3) {
        continue;  // retransmit the same request a few times within the timeout
      }
      const auto req = sa.r->liveness_request();
      if (!req.empty()) {
        send(sa.source, req);
        sa.dpd_last_sent_ns = now;
        ++sa.dpd_sends;
      }
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
    tick.expires_after(std::chrono::seconds(1));
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
  for (auto& t : impl_->tunnels)
    impl_->note(t, std::string("waiting for the customer gateway (startup action ") +
                       (t.spec.options.startup_action == StartupAction::start ? "start: not implemented yet, acting as add"
                                                                              : "add") +
                       ")");
}

void Endpoint::stop() {
  if (impl_->stopped) return;
  for (auto& t : impl_->tunnels)
    for (auto& sa : t.sas)
      if (auto req = sa.r->delete_request(); !req.empty()) impl_->send(sa.source, req);
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->ike_socket.close(ec);
  impl_->inbox_wait.close(ec);
  impl_->tick.cancel();
}

size_t Endpoint::tunnel_count() const { return impl_->tunnels.size(); }
const std::string& Endpoint::tunnel_name(size_t i) const { return impl_->tunnels.at(i).spec.name; }
const TunnelKeys& Endpoint::keys(size_t i) const { return impl_->tunnels.at(i).keys; }

void Endpoint::peer(size_t i, sockaddr_storage& out, socklen_t& len) const {
  const auto& t = impl_->tunnels.at(i);
  out = t.esp_peer;
  len = t.esp_peer_len;
}

nlohmann::json Endpoint::summary() const {
  nlohmann::json j;
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (const auto& t : impl_->tunnels) {
    const IkeSaResponder* established = nullptr;
    bool negotiating = false;
    for (const auto& s : t.sas) {
      if (s.r->state() == IkeState::established) established = s.r.get();
      else negotiating = true;
    }
    const char* phase1 = established ? "Established" : negotiating ? "Negotiating" : "Down";
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
  return j;
}

}  // namespace vpngw::ike
