// The management socket: a Unix stream socket, root only (mode 0600 in a 0700 directory), where
// `vpngw ctl` sends one JSON request per connection ({"command": "bgp summary", ...}) and reads one
// JSON answer. Handlers run on the control-plane io_context thread, so they may read control state
// without locks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace vpngw {

class ManagementServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  ManagementServer(boost::asio::io_context& io, std::string path);
  ~ManagementServer();

  // Commands are words such as "bgp summary"; a handler throws std::invalid_argument for a bad request.
  void add(const std::string& command, Handler h);
  void start();
  void stop();
  const std::string& path() const { return path_; }

  static std::string default_path(const std::string& gateway_name) { return "/run/vpngw/" + gateway_name + ".sock"; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

// The client side, for `vpngw ctl`: sends one request, returns the answer; throws with the path in
// the message when the gateway is not there.
// With a timeout, a gateway that accepts but does not answer (stopped, wedged) is an error too.
nlohmann::json management_request(const std::string& path, const nlohmann::json& request,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

}  // namespace vpngw
