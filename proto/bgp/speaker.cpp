#include "proto/bgp/speaker.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <ctime>
#include <deque>
#include <nlohmann/json.hpp>
#include <random>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "proto/bgp/session.hpp"

namespace vpngw::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kLoggedWarningsPerPeer = 20;  // a hostile peer must not flood the log

asio::ip::address to_asio(const IpAddress& a) {
  if (a.v6) {
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), a.bytes.data(), 16);
    return asio::ip::address_v6(b);
  }
  return asio::ip::address_v4(a.v4_host_order());
}

IpAddress from_asio(const asio::ip::address& a) {
  IpAddress out;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return IpAddress::v4_from_host_order(a.to_v6().to_v4().to_uint());
  if (a.is_v6()) {
    out.v6 = true;
    auto b = a.to_v6().to_bytes();
    std::memcpy(out.bytes.data(), b.data(), 16);
    return out;
  }
  return IpAddress::v4_from_host_order(a.to_v4().to_uint());
}

// RFC 2385: the kernel signs and checks every segment to and from `peer` with this key.
void set_md5(int fd, const IpAddress& peer, const std::string& key) {
  tcp_md5sig sig{};
  if (peer.v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    sa->sin6_family = AF_INET6;
    std::memcpy(&sa->sin6_addr, peer.bytes.data(), 16);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
    sa->sin_family = AF_INET;
    std::memcpy(&sa->sin_addr, peer.bytes.data(), 4);
  }
  sig.tcpm_keylen = uint16_t(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) < 0)
    throw std::system_error(errno, std::generic_category(), "TCP_MD5SIG for " + peer.to_string());
}

// The IP TTL of what the session sends (1: the neighbour must be directly connected).
void set_ttl(int fd, bool v6, uint8_t ttl) {
  const int v = ttl;
  if (::setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &v, sizeof v) < 0)
    throw std::system_error(errno, std::generic_category(), "IP_TTL " + std::to_string(ttl));
}

// The one timer of a connection, at the session's next deadline. The hold deadline moves on every
// message the peer sends: moving it only updates a number, and a wait that wakes up before the
// current deadline waits again (a full table is a million UPDATEs).
class DeadlineTimer {
 public:
  DeadlineTimer(asio::io_context& io, std::function<void()> fire) : timer_(io), fire_(std::move(fire)) {}
  // `at` in CLOCK_MONOTONIC ns (steady_clock's clock here); Session::kNever stops the timer.
  void arm_at(int64_t at) {
    deadline_ = at == Session::kNever ? Clock::time_point::max() : Clock::time_point(std::chrono::nanoseconds(at));
    if (deadline_ == Clock::time_point::max()) {
      if (waiting_) timer_.cancel();
      return;
    }
    if (!waiting_) wait();
    else if (deadline_ < timer_.expiry()) timer_.cancel();  // sooner than the pending wait: the handler re-waits
  }

 private:
  void wait() {
    waiting_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code&) {
      if (alive.expired()) return;
      waiting_ = false;
      if (deadline_ == Clock::time_point::max()) return;
      if (Clock::now() < deadline_) { wait(); return; }
      fire_();
    });
  }

  asio::steady_timer timer_;
  std::function<void()> fire_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool waiting_ = false;
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);
  std::weak_ptr<int> alive_ = owner_;
};

}  // namespace

struct Speaker::Impl {
  asio::io_context& io;
  BgpConfig cfg;
  uint32_t router_id;
  RouteListener& listener;
  Rib rib;
  std::vector<std::unique_ptr<Peer>> peers;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::mt19937 rng{std::random_device{}()};
  bool stopped = false;

  Impl(asio::io_context& i, const BgpConfig& c, uint32_t id, RouteListener& l)
      : io(i), cfg(c), router_id(id), listener(l), rib(c.asn) {}

  void accept(tcp::acceptor& a);
  void report(const BestChange& c);
};

// The Asio shell of one Session: bytes from the socket and the timer's deadline go in, and after
// every call pump() writes what the session wants sent and hands what happened to the peer.
class Speaker::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& impl, Peer& peer, bool outgoing, tcp::socket socket, const SessionConfig& scfg);

  void start() {
    session_.connected(monotonic_ns());
    pump();
    read();
  }
  // An UPDATE or END-OF-RIB once Established (restarts the keepalive timer).
  void send_established(std::vector<uint8_t> bytes) {
    session_.send_established(std::move(bytes), monotonic_ns());
    pump();
  }
  // A NOTIFICATION and the end of the session.
  void shutdown(ErrorCode code, uint8_t subcode, const std::string& reason, std::vector<uint8_t> data = {}) {
    session_.shutdown(code, subcode, reason, std::move(data));
    pump();
  }
  // The path is gone: the session ends without a NOTIFICATION.
  void lost(const std::string& why) {
    session_.connection_lost(why);
    pump();
  }
  const Session& session() const { return session_; }
  bool outgoing() const { return outgoing_; }
  tcp::socket& socket() { return socket_; }
  std::optional<IpAddress> local_address() const {
    boost::system::error_code ec;
    auto ep = socket_.local_endpoint(ec);
    if (ec) return std::nullopt;
    return from_asio(ep.address());
  }

 private:
  // What the session produced since the last call: its messages onto the socket, then its events
  // to the peer. A peer's handler may call the session again (exports once up), so this runs until
  // both are empty. The connection may be released by the peer meanwhile: `self` keeps it.
  void pump() {
    auto self = shared_from_this();
    for (;;) {
      for (auto& m : session_.take_outgoing()) send(std::move(m));
      auto events = session_.take_events();
      if (events.empty()) break;
      for (auto& e : events) std::visit([&](auto& ev) { on_event(ev); }, e);
    }
    timer_.arm_at(closing_ ? Session::kNever : session_.next_deadline());
  }
  void on_event(SessionUp&);
  void on_event(UpdateReceived& e);
  void on_event(RefreshRequested& e);
  void on_event(SessionDown& e);

  void send(std::vector<uint8_t> bytes) {
    if (closed_) return;
    queue_.push_back(std::move(bytes));
    if (!writing_) write_next();
  }
  // Closes the TCP connection once queued bytes are written.
  void close() {
    closing_ = true;
    if (!writing_) shut();
  }

  void read() {
    socket_.async_read_some(asio::buffer(rbuf_), [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
      if (self->closed_) return;
      if (ec) {
        self->lost(ec == asio::error::eof ? "closed by the peer" : ec.message());
        return;
      }
      self->session_.receive(std::span<const uint8_t>(self->rbuf_.data(), n), monotonic_ns());
      self->pump();
      if (!self->closed_) self->read();
    });
  }
  // The peer's settings plus what this connection adds: its own jitter seed and its local address.
  static SessionConfig for_connection(SessionConfig c, uint64_t seed, const tcp::socket& s) {
    c.jitter_seed = seed;
    boost::system::error_code ec;
    const auto ep = s.local_endpoint(ec);
    if (!ec) c.local_address = from_asio(ep.address());
    return c;
  }
  void write_next() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        self->writing_ = false;
                        if (self->closed_) return;
                        self->queue_.pop_front();
                        if (ec) {
                          self->lost("write: " + ec.message());
                          self->shut();
                          return;
                        }
                        if (!self->queue_.empty()) self->write_next();
                        else if (self->closing_) self->shut();
                      });
  }
  void shut() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  Impl& impl_;
  Peer& peer_;
  bool outgoing_;
  tcp::socket socket_;
  Session session_;
  DeadlineTimer timer_;
  std::deque<std::vector<uint8_t>> queue_;
  bool writing_ = false, closing_ = false, closed_ = false;
  std::array<uint8_t, 65536> rbuf_;
};

class Speaker::Peer {
 public:
  Peer(Impl& impl, const BgpNeighborConfig& cfg, std::optional<uint32_t> tunnel)
      : impl_(impl), cfg_(cfg), tunnel_(tunnel), retry_(impl.io) {
    scfg_.local_as = impl.cfg.asn;
    scfg_.remote_as = cfg.remote_asn;
    scfg_.router_id = impl.router_id;
    scfg_.hold_time = cfg.hold_time.value_or(impl.cfg.hold_time);
    scfg_.keepalive = cfg.keepalive.value_or(impl.cfg.keepalive);
    rib_index_ = impl.rib.add_peer(RibPeer{cfg.name, cfg.address, cfg.remote_asn, 0, cfg.remote_asn != impl.cfg.asn,
                                           cfg.local_pref});
  }

  const BgpNeighborConfig& config() const { return cfg_; }
  std::optional<uint32_t> tunnel() const { return tunnel_; }
  bool established() const { return up_ != nullptr; }
  PeerIndex rib_index() const { return rib_index_; }

  void start() {
    state_ = State::active;
    if (!cfg_.passive) connect();
  }

  void stop() {
    stopped_ = true;
    retry_.cancel();
    for (auto* c : {out_.get(), in_.get()})
      if (c) c->shutdown(ErrorCode::cease, cease_sub::admin_shutdown, "gateway shutting down");
  }

  // The path to the neighbour is gone (its tunnel went down, or BFD says so): drop the session now
  // rather than wait for the hold timer, as routers do on interface down for directly connected
  // eBGP neighbours. A NOTIFICATION could not arrive, so none is sent.
  void path_down(const std::string& why) {
    auto out = out_, in = in_;  // on_down may release them
    for (auto* c : {out.get(), in.get()})
      if (c) c->lost(why);
  }

  void reset() {
    admin_idle_ = false;
    if (up_) up_->shutdown(ErrorCode::cease, cease_sub::admin_reset, "reset by the operator");
    else if (!cfg_.passive && !out_) connect();
    state_ = State::active;
  }

  // An incoming connection from this neighbour's address.
  void accept(tcp::socket socket) {
    if (stopped_ || admin_idle_ || up_ || in_) {
      spdlog::info("bgp {}: refusing a connection ({})", cfg_.name,
                   admin_idle_ ? "idle after max-prefix" : up_ ? "session already established" : "one is already open");
      boost::system::error_code ec;
      socket.close(ec);
      return;
    }
    if (out_ && out_->session().state() == State::idle) {  // our own attempt is still in TCP connect
      boost::system::error_code ec;
      out_->socket().close(ec);
      out_.reset();
    }
    if (cfg_.ttl) try {
        set_ttl(socket.native_handle(), cfg_.address.v6, *cfg_.ttl);
      } catch (const std::exception& e) {
        spdlog::error("bgp {}: {}", cfg_.name, e.what());
      }
    in_ = std::make_shared<Connection>(impl_, *this, false, std::move(socket), scfg_);
    in_->start();
  }

  // RFC 4271 6.8: two connections to one peer; the one opened by the higher BGP identifier stays.
  bool resolve_collision(Connection& conn, const Open& open) {
    Connection* other = &conn == out_.get() ? in_.get() : out_.get();
    if (!other || other->session().state() == State::idle) return true;
    Connection* loser;
    if (other->session().state() == State::established) loser = &conn;
    else loser = impl_.router_id < open.bgp_id ? out_.get() : in_.get();
    spdlog::info("bgp {}: connection collision, closing the {} connection", cfg_.name, loser->outgoing() ? "outgoing" : "incoming");
    loser->shutdown(ErrorCode::cease, cease_sub::collision, "connection collision resolution");
    return loser != &conn;
  }

  void on_established(Connection& conn) {
    up_ = &conn;
    state_ = State::established;
    const auto& neg = conn.session().negotiated();
    impl_.rib.set_peer_router_id(rib_index_, neg.remote_id);
    since_ = Clock::now();
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    established_at_ms_ = int64_t(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
    adj_rib_out_.clear();
    spdlog::info("bgp {}: Established (AS {}, hold {} s, keepalive {} s, {})", cfg_.name, neg.remote_as,
                 neg.hold_time, neg.keepalive, neg.as4 ? "4-octet AS" : "2-octet AS");
    send_exports(conn, std::nullopt);
  }

  // A new MED for what we announce to this neighbour (AWS steering traffic off a tunnel under
  // maintenance): the same prefixes are announced again with it.
  void set_med(std::optional<uint32_t> med) {
    cfg_.med = med;
    if (up_) send_exports(*up_, std::nullopt, false);
  }

  void send_exports(Connection& conn, std::optional<Family> only, bool end_of_rib = true) {
    const auto& neg = conn.session().negotiated();
    const auto local = conn.local_address();
    for (const Family& f : neg.families) {
      if (only && !(*only == f)) continue;
      std::vector<IpPrefix> prefixes;
      for (const auto& p : impl_.cfg.export_prefixes)
        if (p.address.v6 == (f.afi == Afi::ipv6)) prefixes.push_back(p);
      if (!prefixes.empty() && local) {
        PathAttributes a;
        a.origin = Origin::igp;
        // Our ASN, repeated for an AS_PATH prepend (the customer's way to make a path less preferred).
        const std::vector<uint32_t> path(1 + cfg_.as_path_prepend, impl_.cfg.asn);
        a.as_path.append_segment(AsPath::sequence, std::span<const uint32_t>(path));
        a.med = cfg_.med;
        a.communities = cfg_.communities;
        if (f.afi == Afi::ipv4 || local->v6) {
          a.next_hop = *local;
        } else {
          // An IPv6 route over an IPv4 session: the IPv4-mapped next hop (RFC 4291 2.5.5.2).
          IpAddress mapped;
          mapped.v6 = true;
          mapped.bytes[10] = mapped.bytes[11] = 0xff;
          std::memcpy(&mapped.bytes[12], local->bytes.data(), 4);
          a.next_hop = mapped;
        }
        if (f.afi == Afi::ipv4 && local->v6) continue;  // no IPv4 next hop to give
        for (auto& m : encode_announce(a, prefixes, conn.session().codec())) conn.send_established(std::move(m));
        // Adj-RIB-Out: what this peer has from us (a refresh re-sends the same prefixes).
        for (const auto& p : prefixes)
          if (std::find(adj_rib_out_.begin(), adj_rib_out_.end(), p) == adj_rib_out_.end()) adj_rib_out_.push_back(p);
      }
      if (end_of_rib) conn.send_established(encode_end_of_rib(f));
    }
  }

  void on_update(Connection& conn, Update&& u) {
    ++updates_in_;
    if (auto eor = u.end_of_rib()) {
      spdlog::info("bgp {}: End-of-RIB for {} ({} prefixes)", cfg_.name, to_string(*eor), impl_.rib.prefixes_from(rib_index_));
      return;
    }
    const size_t announced = u.nlri.size() + (u.mp_reach ? u.mp_reach->nlri.size() : 0);
    // RFC 4271 6.3: from an external peer the path must start with its AS.
    if (announced && !u.treat_as_withdraw && cfg_.remote_asn != impl_.cfg.asn &&
        u.attrs.as_path.first_asn() != cfg_.remote_asn) {
      u.treat_as_withdraw = true;
      u.warnings.push_back("treat-as-withdraw: AS_PATH '" + u.attrs.as_path.to_string() + "' does not start with the peer's AS " +
                           std::to_string(cfg_.remote_asn));
    }
    for (const auto& w : u.warnings) {
      if (++warnings_ <= kLoggedWarningsPerPeer) spdlog::warn("bgp {}: {}", cfg_.name, w);
    }
    if (u.treat_as_withdraw) treat_as_withdraw_ += announced;
    prefixes_received_ += announced;
    const ApplyStats st = impl_.rib.apply(rib_index_, u, [this](const BestChange& c) { impl_.report(c); });
    looped_ += st.looped;
    if (cfg_.max_prefixes && impl_.rib.prefixes_from(rib_index_) > cfg_.max_prefixes) {
      // As Direct Connect does: Cease/1 (RFC 4486 data: AFI, SAFI, the limit), then stay idle.
      std::vector<uint8_t> data{0, 1, 1, uint8_t(cfg_.max_prefixes >> 24), uint8_t(cfg_.max_prefixes >> 16),
                                uint8_t(cfg_.max_prefixes >> 8), uint8_t(cfg_.max_prefixes)};
      admin_idle_ = true;
      spdlog::warn("bgp {}: more than {} prefixes, closing the session and staying idle", cfg_.name, cfg_.max_prefixes);
      conn.shutdown(ErrorCode::cease, cease_sub::max_prefixes,
                              "more than " + std::to_string(cfg_.max_prefixes) + " prefixes", std::move(data));
    }
  }

  void on_down(Connection& conn, const std::string& reason) {
    if (!conn.session().last_error().empty()) last_error_ = conn.session().last_error();
    if (up_ == &conn) {
      up_ = nullptr;
      adj_rib_out_.clear();
      ++flaps_;
      down_at_ns_ = monotonic_ns();
      impl_.rib.drop_peer(rib_index_, [this](const BestChange& c) { impl_.report(c); });
      spdlog::warn("bgp {}: session down: {}", cfg_.name, reason);
    } else {
      spdlog::info("bgp {}: {} connection closed: {}", cfg_.name, conn.outgoing() ? "outgoing" : "incoming", reason);
    }
    // The connection may be deep in its own call stack: let it go once that unwinds.
    std::shared_ptr<Connection>& slot = &conn == out_.get() ? out_ : in_;
    if (slot.get() == &conn) asio::post(impl_.io, [gone = std::move(slot)] {});
    if (up_) return;
    state_ = admin_idle_ || stopped_ ? State::idle : State::active;
    if (!stopped_ && !admin_idle_ && !cfg_.passive) schedule_retry();
  }

  nlohmann::json summary() const {
    nlohmann::json j;
    j["name"] = cfg_.name;
    j["address"] = cfg_.address.to_string();
    j["remote_asn"] = cfg_.remote_asn;
    j["tunnel"] = cfg_.tunnel.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg_.tunnel);
    j["state"] = state_name(display_state());
    j["uptime_s"] = up_ ? nlohmann::json(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - since_).count())
                        : nlohmann::json(nullptr);
    j["established_at_ms"] = established_at_ms_;
    j["last_down_ns"] = down_at_ns_;  // CLOCK_MONOTONIC: failover measurements compare it with the fault
    j["prefixes_announced_total"] = prefixes_received_;  // every NLRI ever received, kept or not
    j["prefixes_accepted"] = impl_.rib.prefixes_from(rib_index_);
    j["prefixes_exported"] = adj_rib_out_.size();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : adj_rib_out_) out.push_back(p.to_string());
    j["advertised"] = std::move(out);
    j["max_prefixes"] = cfg_.max_prefixes;
    j["flaps"] = flaps_;
    j["updates_received"] = updates_in_;
    j["treat_as_withdraw"] = treat_as_withdraw_;
    j["loop_discards"] = looped_;
    j["md5"] = !cfg_.md5_password.empty();
    j["idle_after_max_prefix"] = admin_idle_;
    j["last_error"] = last_error_;
    if (up_) {
      const auto& neg = up_->session().negotiated();
      j["hold_time"] = neg.hold_time;
      j["keepalive"] = neg.keepalive;
      j["remote_id"] = IpAddress::v4_from_host_order(neg.remote_id).to_string();
      j["as4"] = neg.as4;
      nlohmann::json fams = nlohmann::json::array();
      for (const auto& f : neg.families) fams.push_back(to_string(f));
      j["families"] = fams;
    }
    return j;
  }

 private:
  State display_state() const {
    if (up_) return State::established;
    for (auto* c : {out_.get(), in_.get()})
      if (c && c->session().state() != State::idle) return c->session().state();
    if (out_) return State::connect;
    return state_;
  }

  void connect() {
    if (stopped_ || admin_idle_ || up_ || out_) return;
    const bool v6 = cfg_.address.v6;
    tcp::socket sock(impl_.io);
    boost::system::error_code ec;
    sock.open(v6 ? tcp::v6() : tcp::v4(), ec);
    if (ec) { spdlog::error("bgp {}: socket: {}", cfg_.name, ec.message()); schedule_retry(); return; }
    try {
      if (!cfg_.md5_password.empty()) set_md5(sock.native_handle(), cfg_.address, cfg_.md5_password);
      if (cfg_.ttl) set_ttl(sock.native_handle(), v6, *cfg_.ttl);
    } catch (const std::exception& e) {
      spdlog::error("bgp {}: {}", cfg_.name, e.what());
      schedule_retry();
      return;
    }
    if (cfg_.local_address) {
      sock.bind(tcp::endpoint(to_asio(*cfg_.local_address), 0), ec);
      if (ec) {
        spdlog::warn("bgp {}: cannot bind {}: {}", cfg_.name, cfg_.local_address->to_string(), ec.message());
        schedule_retry();
        return;
      }
    }
    state_ = State::connect;
    out_ = std::make_shared<Connection>(impl_, *this, true, std::move(sock), scfg_);
    std::weak_ptr<Connection> weak = out_;
    out_->socket().async_connect(tcp::endpoint(to_asio(cfg_.address), impl_.cfg.listen_port),
                                 [this, weak](const boost::system::error_code& ec) {
                                   auto conn = weak.lock();
                                   if (!conn || conn != out_) return;  // superseded by an incoming connection
                                   if (ec) {
                                     out_.reset();
                                     if (!up_) state_ = State::active;
                                     schedule_retry();
                                     return;
                                   }
                                   conn->start();
                                 });
    schedule_retry();
  }

  void schedule_retry() {
    retry_.expires_after(std::chrono::seconds(impl_.cfg.connect_retry));
    retry_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (out_ && out_->session().state() == State::idle) {  // connect still pending: start over
        boost::system::error_code ignored;
        out_->socket().close(ignored);
        out_.reset();
      }
      connect();
    });
  }

  Impl& impl_;
  BgpNeighborConfig cfg_;
  SessionConfig scfg_;
  std::optional<uint32_t> tunnel_;  // none: a neighbour on a plain interface
  PeerIndex rib_index_ = 0;
  asio::steady_timer retry_;
  std::shared_ptr<Connection> out_, in_;
  Connection* up_ = nullptr;
  State state_ = State::idle;
  bool stopped_ = false, admin_idle_ = false;
  Clock::time_point since_;
  int64_t established_at_ms_ = 0;  // CLOCK_MONOTONIC, for benchmarks comparing across processes
  int64_t down_at_ns_ = 0;
  uint64_t flaps_ = 0, updates_in_ = 0, prefixes_received_ = 0, treat_as_withdraw_ = 0, looped_ = 0, warnings_ = 0;
  std::string last_error_;
  std::vector<IpPrefix> adj_rib_out_;
};

Speaker::Connection::Connection(Impl& impl, Peer& peer, bool outgoing, tcp::socket socket, const SessionConfig& scfg)
    : impl_(impl),
      peer_(peer),
      outgoing_(outgoing),
      socket_(std::move(socket)),
      session_(for_connection(scfg, impl.rng(), socket_), [this](const Open& o) { return peer_.resolve_collision(*this, o); }),
      timer_(impl.io, [this] {
        session_.update_timers(monotonic_ns());
        pump();
      }) {}

void Speaker::Connection::on_event(SessionUp&) { peer_.on_established(*this); }
void Speaker::Connection::on_event(UpdateReceived& e) { peer_.on_update(*this, std::move(e.update)); }
void Speaker::Connection::on_event(RefreshRequested& e) { peer_.send_exports(*this, e.family); }
void Speaker::Connection::on_event(SessionDown& e) {
  close();
  peer_.on_down(*this, e.reason);
}

void Speaker::Impl::report(const BestChange& c) {
  if (!c.best) {
    listener.best_changed(c.prefix, std::nullopt);
    return;
  }
  const Peer& peer = *peers[c.best->peer];
  // No NEXT_HOP (an IPv6 route's may be link-local only, or missing from a hostile peer): the
  // neighbour itself, which is on a connected subnet.
  const auto& nh = c.best->attrs->attrs.next_hop;
  listener.best_changed(c.prefix, Egress{peer.tunnel(), nh ? *nh : peer.config().address});
}

void Speaker::Impl::accept(tcp::acceptor& a) {
  a.async_accept([this, &a](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopped) return;
    if (!ec) {
      boost::system::error_code e;
      const auto remote = socket.remote_endpoint(e);
      const IpAddress from = e ? IpAddress{} : from_asio(remote.address());
      Peer* peer = nullptr;
      for (auto& p : peers)
        if (p->config().address == from) peer = p.get();
      if (peer) {
        peer->accept(std::move(socket));
      } else {
        spdlog::warn("bgp: connection from {} which is not a configured neighbour; closed", from.to_string());
        socket.close(e);
      }
    }
    accept(a);
  });
}

Speaker::Speaker(asio::io_context& io, const BgpConfig& cfg, uint32_t router_id,
                 std::function<uint32_t(const std::string&)> tunnel_ids, RouteListener& listener)
    : impl_(std::make_unique<Impl>(io, cfg, router_id, listener)) {
  for (const auto& n : cfg.neighbors)
    impl_->peers.push_back(std::make_unique<Peer>(
        *impl_, n, n.tunnel.empty() ? std::nullopt : std::optional<uint32_t>(tunnel_ids(n.tunnel))));
  impl_->rib.set_report_every_change(cfg.multipath);
}

Speaker::~Speaker() = default;

void Speaker::start() {
  bool v4 = false, v6 = false;
  for (const auto& p : impl_->peers) (p->config().address.v6 ? v6 : v4) = true;
  for (bool six : {false, true}) {
    if (!(six ? v6 : v4)) continue;
    auto a = std::make_unique<tcp::acceptor>(impl_->io);
    a->open(six ? tcp::v6() : tcp::v4());
    a->set_option(tcp::acceptor::reuse_address(true));
    if (six) a->set_option(asio::ip::v6_only(true));
    for (const auto& p : impl_->peers)
      if (p->config().address.v6 == six && !p->config().md5_password.empty())
        set_md5(a->native_handle(), p->config().address, p->config().md5_password);
    boost::system::error_code ec;
    a->bind(tcp::endpoint(six ? tcp::v6() : tcp::v4(), impl_->cfg.listen_port), ec);
    if (ec) throw std::system_error(ec.value(), std::generic_category(),
                                    "bgp: cannot listen on port " + std::to_string(impl_->cfg.listen_port));
    a->listen();
    impl_->accept(*a);
    impl_->acceptors.push_back(std::move(a));
  }
  for (auto& p : impl_->peers) p->start();
  spdlog::info("bgp: AS {}, router ID {}, {} neighbour(s), exporting {} prefix(es)", impl_->cfg.asn,
               IpAddress::v4_from_host_order(impl_->router_id).to_string(), impl_->peers.size(),
               impl_->cfg.export_prefixes.size());
}

void Speaker::stop() {
  impl_->stopped = true;
  for (auto& a : impl_->acceptors) {
    boost::system::error_code ec;
    a->close(ec);
  }
  for (auto& p : impl_->peers) p->stop();
}

void Speaker::for_each_route(const std::function<void(const IpPrefix&, uint32_t)>& f) const {
  impl_->rib.for_each_best([&](const IpPrefix& p, const Path& best) {
    if (const auto t = impl_->peers[best.peer]->tunnel()) f(p, *t);
  });
}

void Speaker::for_each_route_multipath(const std::function<void(const IpPrefix&, const std::vector<uint32_t>&)>& f) const {
  std::vector<uint32_t> tunnels;
  impl_->rib.for_each_multipath([&](const IpPrefix& p, const std::vector<const Path*>& paths) {
    tunnels.clear();
    for (const Path* path : paths) {
      const auto t = impl_->peers[path->peer]->tunnel();
      if (t && std::find(tunnels.begin(), tunnels.end(), *t) == tunnels.end()) tunnels.push_back(*t);
    }
    if (!tunnels.empty()) f(p, tunnels);
  });
}

size_t Speaker::route_count() const { return impl_->rib.size(); }

void Speaker::for_each_best_path(const std::function<void(const IpPrefix&, const PathAttributes&)>& f) const {
  impl_->rib.for_each_best([&](const IpPrefix& p, const Path& best) { f(p, best.attrs->attrs); });
}

bool Speaker::any_established() const {
  return std::any_of(impl_->peers.begin(), impl_->peers.end(), [](const auto& p) { return p->established(); });
}

namespace {
template <typename Peers>
auto* find_peer(Peers& peers, const std::string& neighbor) {
  for (auto& p : peers)
    if (p->config().name == neighbor || p->config().address.to_string() == neighbor) return p.get();
  return static_cast<decltype(peers.front().get())>(nullptr);
}
}  // namespace

bool Speaker::established(const std::string& neighbor) const {
  const auto* p = find_peer(impl_->peers, neighbor);
  return p && p->established();
}

void Speaker::for_each_path_from(const std::string& neighbor,
                                 const std::function<void(const IpPrefix&, const PathAttributes&)>& f) const {
  const auto* peer = find_peer(impl_->peers, neighbor);
  if (!peer || !impl_->rib.prefixes_from(peer->rib_index())) return;
  impl_->rib.for_each_best([&](const IpPrefix& prefix, const Path& best) {
    if (best.peer == peer->rib_index()) return f(prefix, best.attrs->attrs);
    for (const Path& p : impl_->rib.paths(prefix))
      if (p.peer == peer->rib_index()) return f(prefix, p.attrs->attrs);
  });
}

nlohmann::json Speaker::summary() const {
  nlohmann::json j;
  j["asn"] = impl_->cfg.asn;
  j["router_id"] = IpAddress::v4_from_host_order(impl_->router_id).to_string();
  j["loc_rib_prefixes"] = impl_->rib.size();
  auto& peers = j["neighbors"] = nlohmann::json::array();
  for (const auto& p : impl_->peers) peers.push_back(p->summary());
  return j;
}

nlohmann::json Speaker::routes(size_t limit) const {
  nlohmann::json out = nlohmann::json::array();
  size_t n = 0;
  impl_->rib.for_each_best([&](const IpPrefix& prefix, const Path&) {
    if (n++ >= limit) return;
    nlohmann::json r;
    r["prefix"] = prefix.to_string();
    auto& paths = r["paths"] = nlohmann::json::array();
    bool best = true;
    for (const Path& p : impl_->rib.paths(prefix)) {
      const PathAttributes& a = p.attrs->attrs;
      nlohmann::json pj;
      pj["best"] = best;
      best = false;
      pj["neighbor"] = impl_->peers[p.peer]->config().name;
      const std::string& tunnel = impl_->peers[p.peer]->config().tunnel;
      pj["tunnel"] = tunnel.empty() ? nlohmann::json(nullptr) : nlohmann::json(tunnel);
      pj["next_hop"] = a.next_hop ? a.next_hop->to_string() : "";
      pj["as_path"] = a.as_path.to_string();
      pj["origin"] = a.origin == Origin::igp ? "IGP" : a.origin == Origin::egp ? "EGP" : "incomplete";
      pj["med"] = a.med ? nlohmann::json(*a.med) : nlohmann::json(nullptr);
      pj["local_pref"] = impl_->rib.peer(p.peer).local_pref;
      nlohmann::json comms = nlohmann::json::array();
      for (uint32_t c : a.communities) comms.push_back(community_to_string(c));
      pj["communities"] = comms;
      paths.push_back(std::move(pj));
    }
    out.push_back(std::move(r));
  });
  return out;
}

bool Speaker::set_med(const std::string& neighbor, std::optional<uint32_t> med) {
  bool found = false;
  for (auto& p : impl_->peers)
    if (p->config().name == neighbor || p->config().address.to_string() == neighbor) {
      p->set_med(med);
      found = true;
    }
  return found;
}

void Speaker::path_down(uint32_t tunnel, const std::string& why) {
  for (auto& p : impl_->peers)
    if (p->tunnel() == tunnel) p->path_down(why);
}

void Speaker::neighbor_path_down(const IpAddress& neighbor, const std::string& why) {
  for (auto& p : impl_->peers)
    if (p->config().address == neighbor) p->path_down(why);
}

bool Speaker::reset(const std::string& neighbor) {
  for (auto& p : impl_->peers) {
    if (p->config().name == neighbor || p->config().address.to_string() == neighbor) {
      p->reset();
      return true;
    }
  }
  return false;
}

}  // namespace vpngw::bgp
