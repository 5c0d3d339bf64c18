// A Prometheus text endpoint (exposition format 0.0.4) on a loopback TCP port: GET /metrics gets
// what the callback renders, anything else 404. Minimal HTTP/1.1 on Boost.Asio: one request per
// connection, requests over 8 KiB or slower than 2 s are dropped, at most 16 connections at once.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

namespace vpngw {

class MetricsServer {
 public:
  MetricsServer(boost::asio::io_context& io, const std::string& address, uint16_t port, std::function<std::string()> render);
  ~MetricsServer();
  void start();  // throws boost::system::system_error when the port cannot be bound
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vpngw
