#include "clientvpn/tcp_relay.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <spdlog/spdlog.h>
#include <vector>

namespace vpngw {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

std::string text(const asio::ip::address& a, uint16_t port) { return a.to_string() + ":" + std::to_string(port); }

// Frames a stream can hold before we stop reading the relay's UDP side: a client that does not
// read its TCP socket must not make the endpoint buffer without bound.
constexpr size_t kMaxQueuedFrames = 1024;

}  // namespace

struct TcpRelayServer::Relay : std::enable_shared_from_this<Relay> {
  Relay(tcp::socket s, asio::io_context& io) : tcp_socket(std::move(s)), udp_socket(io) {}

  tcp::socket tcp_socket;
  udp::socket udp_socket;
  std::string client;        // the TCP peer
  std::string relay_address;  // our loopback UDP address, as the endpoint sees it
  std::array<uint8_t, 2> length{};
  std::vector<uint8_t> frame;
  std::array<uint8_t, 65536> datagram{};
  std::deque<std::vector<uint8_t>> writes;
  bool closed = false;
  std::function<void()> on_end;

  void start(const udp::endpoint& inner) {
    udp_socket.open(udp::v4());
    udp_socket.bind(udp::endpoint(asio::ip::address_v4::loopback(), 0));
    udp_socket.connect(inner);
    const auto local = udp_socket.local_endpoint();
    relay_address = text(local.address(), local.port());
    read_length();
    read_datagram();
  }

  void end() {
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    tcp_socket.close(ec);
    udp_socket.close(ec);
    if (on_end) on_end();
  }

  // TCP -> UDP: [u16 length][packet] frames.
  void read_length() {
    asio::async_read(tcp_socket, asio::buffer(length), [self = shared_from_this()](auto ec, size_t) {
      if (ec) return self->end();
      const size_t n = size_t(self->length[0]) << 8 | self->length[1];
      if (n == 0) return self->read_length();
      self->frame.resize(n);
      asio::async_read(self->tcp_socket, asio::buffer(self->frame), [self](auto ec2, size_t) {
        if (ec2) return self->end();
        boost::system::error_code send_ec;
        self->udp_socket.send(asio::buffer(self->frame), 0, send_ec);  // loopback: does not block
        self->read_length();
      });
    });
  }

  // UDP -> TCP.
  void read_datagram() {
    if (closed) return;
    if (writes.size() >= kMaxQueuedFrames) return;  // resumed by write_next once the queue drains
    udp_socket.async_receive(asio::buffer(datagram), [self = shared_from_this()](auto ec, size_t n) {
      if (ec) return self->end();
      std::vector<uint8_t> f(n + 2);
      f[0] = uint8_t(n >> 8);
      f[1] = uint8_t(n);
      std::copy_n(self->datagram.begin(), n, f.begin() + 2);
      self->writes.push_back(std::move(f));
      if (self->writes.size() == 1) self->write_next();
      self->read_datagram();
    });
  }

  void write_next() {
    if (writes.empty() || closed) return;
    asio::async_write(tcp_socket, asio::buffer(writes.front()), [self = shared_from_this()](auto ec, size_t) {
      if (ec) return self->end();
      const bool was_full = self->writes.size() >= kMaxQueuedFrames;
      self->writes.pop_front();
      self->write_next();
      if (was_full) self->read_datagram();
    });
  }
};

TcpRelayServer::TcpRelayServer(asio::io_context& io, const tcp::endpoint& listen, const udp::endpoint& inner)
    : io_(io), acceptor_(io), inner_(inner) {
  acceptor_.open(listen.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(listen);
  acceptor_.listen();
}

TcpRelayServer::~TcpRelayServer() { stop(); }

void TcpRelayServer::start() { accept(); }

void TcpRelayServer::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  auto relays = std::move(relays_);
  for (auto& [addr, r] : relays) {
    r->on_end = nullptr;
    r->end();
  }
}

void TcpRelayServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec) return;  // closed
    boost::system::error_code opt_ec;
    s.set_option(tcp::no_delay(true), opt_ec);
    auto r = std::make_shared<Relay>(std::move(s), io_);
    const auto peer = r->tcp_socket.remote_endpoint(opt_ec);
    r->client = opt_ec ? "?" : text(peer.address(), peer.port());
    try {
      r->start(inner_);
    } catch (const std::exception& e) {
      spdlog::warn("clientvpn: cannot relay the TCP connection from {}: {}", r->client, e.what());
      r->end();
      return accept();
    }
    const std::string key = r->relay_address;
    r->on_end = [this, key] { remove(key); };
    relays_[key] = r;
    accept();
  });
}

void TcpRelayServer::remove(const std::string& relay_address) {
  if (relays_.erase(relay_address) && on_closed) on_closed(relay_address);
}

void TcpRelayServer::close(const std::string& relay_address) {
  auto it = relays_.find(relay_address);
  if (it == relays_.end()) return;
  auto r = it->second;
  r->on_end = nullptr;
  relays_.erase(it);
  r->end();
}

std::string TcpRelayServer::client_of(const std::string& relay_address) const {
  auto it = relays_.find(relay_address);
  return it == relays_.end() ? std::string{} : it->second->client;
}

}  // namespace vpngw
