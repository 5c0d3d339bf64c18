#include "proto/ike/endpoint.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <nlohmann/json.hpp>
#include <random>

#include "common/clock.hpp"

namespace vpngw::ike {
namespace {

using boost::asio::ip::udp;

constexpr int64_t kCookieSecretLifetimeNs = 300'000'000'000;
constexpr size_t kNonEspMarker = 4;

}  // namespace

struct Endpoint::Impl {
  boost::asio::io_context& io;
  EndpointConfig cfg;
  LocalEnd local;
  ControlInbox& inbox;
  std::function<void()> keys_changed;
  EndpointShared shared;
  std::deque<Tunnel> tunnels;  // never relocated: a Tunnel refers to `local` and `shared`
  udp::socket ike_socket;
  boost::asio::posix::stream_descriptor inbox_wait;
  boost::asio::steady_timer timer;
  std::array<uint8_t, 65536> rx_buf;
  udp::endpoint rx_from;
  uint64_t dropped_unknown_peer = 0;
  int64_t cookie_rotated_ns = monotonic_ns();
  bool stopped = false;

  Impl(boost::asio::io_context& io_, EndpointConfig c, ControlInbox& in, std::vector<TunnelSpec> specs,
       std::function<void()> changed)
      : io(io_), cfg(c), local(c.local), inbox(in),
        keys_changed(std::move(changed)), ike_socket(io_), inbox_wait(io_), timer(io_) {
    std::random_device seed;
    for (auto& s : specs) tunnels.emplace_back(std::move(s), local, shared, uint64_t(seed()) << 32 | seed());
  }

  // Rebuilds the data plane's SA table when a tunnel asks, then sends what the tunnels queued: in
  // that order, because the peer may send ESP on a new Child SA the moment our CREATE_CHILD_SA
  // response reaches it, and that packet must find the SA installed (it was dropped as an unknown
  // SPI now and then in the rekey-under-traffic test when the response went first).
  void flush() {
    bool changed = false;
    std::vector<Outgoing> outgoing;
    for (auto& t : tunnels) {
      for (auto& out : t.take_outgoing()) outgoing.push_back(std::move(out));
      changed |= t.take_keys_changed();
    }
    if (changed) keys_changed();
    for (const auto& out : outgoing) send(out);
  }

  void send(const Outgoing& out) {
    const auto* to = reinterpret_cast<const sockaddr*>(&out.to.addr);
    if (out.nat_keepalive) {
      ::sendto(cfg.natt_fd, out.bytes.data(), out.bytes.size(), MSG_DONTWAIT, to, sizeof out.to.addr);
    } else if (out.to.natt) {
      std::vector<uint8_t> wire(kNonEspMarker, 0);
      wire.insert(wire.end(), out.bytes.begin(), out.bytes.end());
      // The data plane's socket: sendto is safe beside the worker's sendmmsg on the same fd.
      ::sendto(cfg.natt_fd, wire.data(), wire.size(), MSG_DONTWAIT, to, sizeof out.to.addr);
    } else {
      boost::system::error_code ec;
      const udp::endpoint ep(boost::asio::ip::address_v4(ntohl(out.to.addr.sin_addr.s_addr)), ntohs(out.to.addr.sin_port));
      ike_socket.send_to(boost::asio::buffer(out.bytes.data(), out.bytes.size()), ep, 0, ec);
    }
  }

  void receive(std::span<const uint8_t> bytes, const Source& src) {
    auto t = std::find_if(tunnels.begin(), tunnels.end(), [&](const Tunnel& t) { return t.is_peer(src.addr); });
    if (t == tunnels.end()) {
      ++dropped_unknown_peer;
      return;
    }
    t->receive(bytes, src, monotonic_ns());
    flush();
    arm();  // the message may have brought a deadline forward (a new request to retransmit)
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

  // Fires every tunnel's timers, then waits for the earliest deadline any of them asks for.
  void on_deadline() {
    const int64_t now = monotonic_ns();
    if (now - cookie_rotated_ns > kCookieSecretLifetimeNs) {
      shared.cookies.rotate();
      cookie_rotated_ns = now;
    }
    for (auto& t : tunnels) t.update_timers(now);
    flush();
    arm();
  }

  void arm() {
    if (stopped) return;
    const int64_t now = monotonic_ns();
    int64_t at = now + Tunnel::kPollNs;
    for (const auto& t : tunnels) at = std::min(at, t.next_deadline(now));
    const auto when = std::chrono::steady_clock::now() + std::chrono::nanoseconds(std::max<int64_t>(at - now, 0));
    // Only ever brought forward: a later deadline waits for the pending one to fire first.
    if (timer.expiry() > std::chrono::steady_clock::now() && timer.expiry() <= when) return;
    timer.expires_at(when);
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      on_deadline();
    });
  }
};

Endpoint::Endpoint(boost::asio::io_context& io, EndpointConfig cfg, ControlInbox& inbox, std::vector<TunnelSpec> tunnels,
                   std::function<void()> keys_changed)
    : impl_(std::make_unique<Impl>(io, cfg, inbox, std::move(tunnels), std::move(keys_changed))) {
  const LocalEnd& local = cfg.local;
  if (local.address.v6) throw std::invalid_argument("IKE: outside.address must be IPv4 for IKE-keyed tunnels");
  const udp::endpoint ep(boost::asio::ip::address_v4(local.address.v4_host_order()), local.ike_port);
  impl_->ike_socket.open(udp::v4());
  boost::system::error_code ec;
  impl_->ike_socket.bind(ep, ec);
  if (ec)
    throw std::runtime_error("IKE: cannot bind UDP " + local.address.to_string() + ":" + std::to_string(local.ike_port) +
                             ": " + ec.message());
  impl_->inbox_wait.assign(::dup(inbox.wakeup_fd()));
}

Endpoint::~Endpoint() = default;

void Endpoint::start() {
  impl_->read_ike_socket();
  impl_->wait_inbox();
  const int64_t now = monotonic_ns();
  for (auto& t : impl_->tunnels) t.start(now);
  impl_->flush();
  impl_->arm();
}

void Endpoint::stop() {
  if (impl_->stopped) return;
  for (auto& t : impl_->tunnels) t.stop();
  impl_->flush();
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->ike_socket.close(ec);
  impl_->inbox_wait.close(ec);
  impl_->timer.cancel();
}

bool Endpoint::restart_tunnel(const std::string& name) {
  auto& m = *impl_;
  for (auto& t : m.tunnels) {
    if (t.spec().name != name) continue;
    t.restart(monotonic_ns());
    m.flush();
    m.arm();
    return true;
  }
  return false;
}

size_t Endpoint::tunnel_count() const { return impl_->tunnels.size(); }
const std::string& Endpoint::tunnel_name(size_t i) const { return impl_->tunnels.at(i).spec().name; }
const TunnelKeys& Endpoint::keys(size_t i) const { return impl_->tunnels.at(i).keys(); }

void Endpoint::peer(size_t i, sockaddr_storage& out, socklen_t& len) const { impl_->tunnels.at(i).esp_peer(out, len); }

std::string Endpoint::wireshark_esp_sa(const std::string& tunnel) const {
  std::string out;
  for (const auto& t : impl_->tunnels) {
    if (!tunnel.empty() && t.spec().name != tunnel) continue;
    for (const auto& l : t.wireshark_esp_sa()) out += l + "\n";
  }
  return out;
}

nlohmann::json Endpoint::summary() const {
  nlohmann::json j;
  auto& tunnels = j["tunnels"] = nlohmann::json::array();
  for (const auto& t : impl_->tunnels) tunnels.push_back(t.summary());
  j["dropped"] = {{"unknown_peer", impl_->dropped_unknown_peer},
                  {"malformed_or_unknown_spi", impl_->shared.dropped_malformed},
                  {"half_open_limit", impl_->shared.dropped_half_open}};
  j["cookies_sent"] = impl_->shared.cookies_sent;
  return j;
}

}  // namespace vpngw::ike
