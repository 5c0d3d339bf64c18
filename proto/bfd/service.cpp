#include "proto/bfd/service.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <spdlog/spdlog.h>
#include <system_error>

#include "common/clock.hpp"
#include "common/sockaddr.hpp"

namespace vpngw::bfd {
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

asio::steady_timer::time_point at(int64_t ns) {
  return asio::steady_timer::time_point(std::chrono::nanoseconds(ns));
}

int open_udp(const IpAddress& local, uint16_t port, bool any_port_from) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "bfd socket");
  const int one = 1, ttl = 255;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);  // the inside address may come later
  ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);        // RFC 5881 5: always 255
  ::setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
  // RFC 5881 4: the source port of a session is in 49152-65535.
  for (uint32_t p = port; p <= (any_port_from ? 65535u : port); ++p) {
    sockaddr_in s = to_sockaddr_v4(local, uint16_t(p));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s) == 0) return fd;
    if (errno != EADDRINUSE) break;
  }
  const int err = errno;
  ::close(fd);
  throw std::system_error(err, std::generic_category(), "bfd bind " + local.to_string() + ":" + std::to_string(port));
}

}  // namespace

struct Service::Impl {
  struct Peer {
    PeerConfig cfg;
    Session session;
    udp::socket tx;
    asio::steady_timer timer;  // at the session's next deadline
    uint64_t tx_packets = 0, rx_packets = 0, ups = 0, downs = 0;
    int64_t last_change_ms = 0;
    Peer(asio::io_context& io, PeerConfig c, SessionConfig sc, uint32_t discr, uint64_t seed)
        : cfg(std::move(c)), session(sc, discr, seed), tx(io), timer(io) {}
  };

  asio::io_context& io;
  SessionConfig cfg;
  uint16_t port;
  Listener listener;
  udp::socket rx;
  std::vector<std::unique_ptr<Peer>> peers;
  std::map<std::string, uint64_t> drops;  // by reason
  uint64_t rx_packets = 0;
  bool stopped = false;
  std::array<uint8_t, 512> buf{};

  Impl(asio::io_context& i, SessionConfig c, std::vector<PeerConfig> pc, Listener l, uint16_t p)
      : io(i), cfg(c), port(p), listener(std::move(l)), rx(i) {
    std::random_device rd;
    for (auto& x : pc) {
      uint32_t discr = 0;
      while (discr == 0) discr = rd();
      peers.push_back(std::make_unique<Peer>(io, std::move(x), cfg, discr, (uint64_t(rd()) << 32) | rd()));
    }
  }

  void changed(Peer& p, const Transition& t) {
    p.last_change_ms = monotonic_ns() / 1'000'000;
    if (t.to == State::up) ++p.ups;
    if (t.from == State::up) ++p.downs;
    const auto level = t.from == State::up ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "bfd {} ({}): {} -> {} ({})", p.cfg.name, p.cfg.remote.to_string(), to_string(t.from),
                to_string(t.to), to_string(t.diag));
    listener(p.cfg, t);
  }

  void send(Peer& p, const ControlPacket& packet) {
    const auto bytes = serialize(packet);
    const sockaddr_in to = to_sockaddr_v4(p.cfg.remote, port);
    if (::sendto(p.tx.native_handle(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) > 0)
      ++p.tx_packets;
    else
      ++drops["tx_error"];
  }

  // After every call into the session: its packets out, its transitions to the listener, the timer
  // at its next deadline.
  void pump(Peer& p) {
    for (const auto& packet : p.session.take_outgoing())
      if (p.tx.is_open()) send(p, packet);
    for (const auto& t : p.session.take_events()) changed(p, t);
    if (stopped) return;
    const int64_t deadline = p.session.next_deadline();
    if (deadline == Session::kNever) {
      p.timer.cancel();
      return;
    }
    p.timer.expires_at(at(deadline));
    p.timer.async_wait([this, &p](const boost::system::error_code& ec) {
      if (ec || stopped) return;
      p.session.update_timers(monotonic_ns());
      pump(p);
    });
  }

  void receive() {
    rx.async_wait(udp::socket::wait_read, [this](const boost::system::error_code& ec) {
      if (ec || stopped) return;
      for (int i = 0; i < 64; ++i) {
        sockaddr_in from{};
        iovec iov{buf.data(), buf.size()};
        alignas(cmsghdr) char control[64];
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(rx.native_handle(), &msg, MSG_DONTWAIT);
        if (n < 0) break;
        handle(std::span<const uint8_t>(buf.data(), size_t(n)), from, msg);
      }
      receive();
    });
  }

  void handle(std::span<const uint8_t> data, const sockaddr_in& from, msghdr& msg) {
    ++rx_packets;
    int ttl = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    if (ttl != 255) {
      ++drops["ttl_not_255"];
      return;
    }
    auto parsed = parse(data);
    if (!parsed) {
      ++drops[std::string(to_string(parsed.error()))];
      return;
    }
    const ControlPacket& pkt = parsed.value();
    const IpAddress src = IpAddress::v4_from_host_order(ntohl(from.sin_addr.s_addr));
    Peer* peer = nullptr;
    for (auto& p : peers) {
      const bool match = pkt.your_discriminator ? p->session.my_discriminator() == pkt.your_discriminator
                                                : p->cfg.remote == src;
      if (match && p->cfg.remote == src) peer = p.get();
    }
    if (!peer) {
      ++drops["unknown_session"];
      return;
    }
    ++peer->rx_packets;
    peer->session.receive(pkt, monotonic_ns());
    pump(*peer);
  }
};

Service::Service(asio::io_context& io, SessionConfig cfg, std::vector<PeerConfig> peers, Listener listener, uint16_t port)
    : impl_(std::make_unique<Impl>(io, cfg, std::move(peers), std::move(listener), port)) {}

Service::~Service() = default;

void Service::start() {
  auto& m = *impl_;
  m.rx.assign(udp::v4(), open_udp(IpAddress::v4_from_host_order(0), m.port, false));
  for (auto& p : m.peers) {
    p->tx.assign(udp::v4(), open_udp(p->cfg.local, 49152, true));
    m.pump(*p);  // the first packet is due at once
  }
  m.receive();
  spdlog::info("bfd: {} session(s), {} ms x {}", m.peers.size(), m.cfg.desired_min_tx_us / 1000, int(m.cfg.detect_mult));
}

void Service::stop() {
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  for (auto& p : m.peers) {
    p->session.admin_down(monotonic_ns());
    m.pump(*p);  // the AdminDown packet; no timer is armed once stopped
  }
  boost::system::error_code ec;
  m.rx.close(ec);
  for (auto& p : m.peers) {
    p->timer.cancel();
    p->tx.close(ec);
  }
}

bool Service::up(const IpAddress& remote) const {
  for (const auto& p : impl_->peers)
    if (p->cfg.remote == remote) return p->session.state() == State::up;
  return false;
}

nlohmann::json Service::summary() const {
  const auto& m = *impl_;
  nlohmann::json j{{"desired_min_tx_ms", m.cfg.desired_min_tx_us / 1000},
                   {"required_min_rx_ms", m.cfg.required_min_rx_us / 1000},
                   {"detect_mult", m.cfg.detect_mult},
                   {"rx_packets", m.rx_packets},
                   {"drops", m.drops}};
  auto& sessions = j["sessions"] = nlohmann::json::array();
  for (const auto& p : m.peers)
    sessions.push_back({{"name", p->cfg.name},
                        {"local", p->cfg.local.to_string()},
                        {"remote", p->cfg.remote.to_string()},
                        {"state", to_string(p->session.state())},
                        {"diag", to_string(p->session.diag())},
                        {"detection_time_ms", p->session.detection_time_us() / 1000},
                        {"tx_interval_ms", p->session.tx_interval_us() / 1000},
                        {"tx_packets", p->tx_packets},
                        {"rx_packets", p->rx_packets},
                        {"ups", p->ups},
                        {"downs", p->downs}});
  return j;
}

}  // namespace vpngw::bfd
