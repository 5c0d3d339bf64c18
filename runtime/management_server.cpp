#include "runtime/management_server.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <spdlog/spdlog.h>

namespace vpngw {

namespace asio = boost::asio;
using unix_socket = asio::local::stream_protocol;

namespace {
constexpr size_t kMaxRequest = 64 * 1024;  // requests are one short line; anything longer is refused
}

struct ManagementServer::Impl {
  asio::io_context& io;
  unix_socket::acceptor acceptor;
  std::map<std::string, Handler> handlers;

  explicit Impl(asio::io_context& i) : io(i), acceptor(i) {}

  nlohmann::json dispatch(const std::string& line) {
    nlohmann::json req = nlohmann::json::parse(line, nullptr, false);
    if (req.is_discarded() || !req.is_object() || !req.contains("command") || !req["command"].is_string())
      return {{"error", "a request is one JSON object with a \"command\" string"}};
    const std::string cmd = req["command"];
    auto it = handlers.find(cmd);
    if (it == handlers.end()) {
      std::string known;
      for (const auto& [k, v] : handlers) known += (known.empty() ? "" : ", ") + k;
      return {{"error", "unknown command '" + cmd + "'; known: " + known}};
    }
    try {
      return it->second(req);
    } catch (const std::exception& e) {
      return {{"error", e.what()}};
    }
  }

  void serve(std::shared_ptr<unix_socket::socket> s) {
    auto buf = std::make_shared<asio::streambuf>(kMaxRequest);
    asio::async_read_until(*s, *buf, '\n', [this, s, buf](const boost::system::error_code& ec, size_t n) {
      if (ec && n == 0) return;
      std::string line(asio::buffers_begin(buf->data()), asio::buffers_begin(buf->data()) + std::ptrdiff_t(n));
      auto out = std::make_shared<std::string>(dispatch(line).dump() + "\n");
      asio::async_write(*s, asio::buffer(*out), [s, out](const boost::system::error_code&, size_t) {});
    });
  }

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, unix_socket::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) serve(std::make_shared<unix_socket::socket>(std::move(s)));
      accept();
    });
  }
};

ManagementServer::ManagementServer(asio::io_context& io, std::string path)
    : impl_(std::make_unique<Impl>(io)), path_(std::move(path)) {}

ManagementServer::~ManagementServer() { stop(); }

void ManagementServer::add(const std::string& command, Handler h) { impl_->handlers[command] = std::move(h); }

void ManagementServer::start() {
  const auto dir = std::filesystem::path(path_).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), 0700);
  }
  // A socket that answers belongs to a running process with the same name: taking it over would
  // leave that process unreachable. One that does not is left by a process that did not exit
  // cleanly, and goes.
  {
    unix_socket::socket probe(impl_->io);
    boost::system::error_code ec;
    probe.connect(unix_socket::endpoint(path_), ec);
    if (!ec) throw std::runtime_error(path_ + ": another process is serving this management socket (the same name twice?)");
  }
  ::unlink(path_.c_str());
  impl_->acceptor.open(unix_socket());
  impl_->acceptor.bind(unix_socket::endpoint(path_));
  ::chmod(path_.c_str(), 0600);  // root only: the socket can reset sessions
  impl_->acceptor.listen();
  impl_->accept();
}

void ManagementServer::stop() {
  if (!impl_->acceptor.is_open()) return;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  ::unlink(path_.c_str());
}

nlohmann::json management_request(const std::string& path, const nlohmann::json& request,
                                  std::chrono::milliseconds timeout) {
  asio::io_context io;
  unix_socket::socket s(io);
  boost::system::error_code ec;
  s.open(unix_socket(), ec);
  if (ec) throw std::runtime_error("socket for " + path + ": " + ec.message());
  if (timeout.count() > 0) {
    // Before connect: a stopped gateway's full listen backlog would otherwise block connect().
    timeval tv{time_t(timeout.count() / 1000), suseconds_t(timeout.count() % 1000 * 1000)};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  s.connect(unix_socket::endpoint(path), ec);
  if (ec) throw std::runtime_error("cannot reach the gateway at " + path + ": " + ec.message() + " (is it running?)");
  const std::string line = request.dump() + "\n";
  asio::write(s, asio::buffer(line));
  asio::streambuf buf;
  asio::read_until(s, buf, '\n', ec);
  if (ec && buf.size() == 0) throw std::runtime_error("no answer from " + path + ": " + ec.message());
  std::string answer(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
  auto j = nlohmann::json::parse(answer, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("malformed answer from " + path);
  return j;
}

}  // namespace vpngw
