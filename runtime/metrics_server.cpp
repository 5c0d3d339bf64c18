#include "runtime/metrics_server.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace vpngw {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr size_t kMaxRequest = 8192;
constexpr int kMaxConnections = 16;
}  // namespace

struct MetricsServer::Impl : std::enable_shared_from_this<MetricsServer::Impl> {
  asio::io_context& io;
  tcp::acceptor acceptor;
  tcp::endpoint where;
  std::function<std::string()> render;
  int open = 0;

  Impl(asio::io_context& i, tcp::endpoint e, std::function<std::string()> r)
      : io(i), acceptor(i), where(e), render(std::move(r)) {}

  struct Conn {
    tcp::socket socket;
    asio::steady_timer deadline;
    asio::streambuf request{kMaxRequest};
    std::string response;
    explicit Conn(asio::io_context& io) : socket(io), deadline(io) {}
  };

  void accept() {
    auto conn = std::make_shared<Conn>(io);
    acceptor.async_accept(conn->socket, [self = shared_from_this(), conn](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) {
        if (self->open >= kMaxConnections) {
          boost::system::error_code ignored;
          conn->socket.close(ignored);
        } else {
          self->serve(conn);
        }
      }
      self->accept();
    });
  }

  void serve(const std::shared_ptr<Conn>& conn) {
    ++open;
    conn->deadline.expires_after(std::chrono::seconds(2));
    conn->deadline.async_wait([conn](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code ignored;
      conn->socket.close(ignored);
    });
    asio::async_read_until(conn->socket, conn->request, "\r\n\r\n",
                           [self = shared_from_this(), conn](const boost::system::error_code& ec, size_t) {
                             if (ec) return self->done(conn);
                             std::istream in(&conn->request);
                             std::string method, target;
                             in >> method >> target;
                             const bool ok = method == "GET" && (target == "/metrics" || target.rfind("/metrics?", 0) == 0);
                             const std::string body = ok ? self->render() : "not found: GET /metrics\n";
                             conn->response = std::string(ok ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
                                              "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                                              "Content-Length: " + std::to_string(body.size()) +
                                              "\r\nConnection: close\r\n\r\n" + body;
                             asio::async_write(conn->socket, asio::buffer(conn->response),
                                               [self, conn](const boost::system::error_code&, size_t) { self->done(conn); });
                           });
  }

  void done(const std::shared_ptr<Conn>& conn) {
    --open;
    conn->deadline.cancel();
    boost::system::error_code ignored;
    conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
    conn->socket.close(ignored);
  }
};

MetricsServer::MetricsServer(asio::io_context& io, const std::string& address, uint16_t port, std::function<std::string()> render)
    : impl_(std::make_shared<Impl>(io, tcp::endpoint(asio::ip::make_address(address), port), std::move(render))) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
  auto& a = impl_->acceptor;
  a.open(impl_->where.protocol());
  a.set_option(tcp::acceptor::reuse_address(true));
  a.bind(impl_->where);
  a.listen();
  spdlog::info("metrics: Prometheus text on http://{}:{}/metrics", impl_->where.address().to_string(), impl_->where.port());
  impl_->accept();
}

void MetricsServer::stop() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace vpngw
