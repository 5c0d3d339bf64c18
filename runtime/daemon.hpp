// The runtime every vpngw process is assembled from (gateway, router, Client VPN endpoint, NAT,
// VGW/TGW router): one io_context on the control thread, SIGINT/SIGTERM, the management socket
// with the commands the product registers, a stats file rewritten every interval, an optional
// Prometheus endpoint, periodic jobs, and an ordered shutdown.
//
// Shutdown, on a signal or stop(): periodic jobs and the stats timer end, the management socket and
// the metrics endpoint close, then the product's shutdown steps run in the order they were added
// (say goodbye to peers first, e.g. BGP Cease, BFD AdminDown, IKE DELETE). When `shutdown_grace`
// is set, the io_context stops once that much time has passed, so a peer that stopped reading
// cannot hold the exit; otherwise run() returns when the product's last work ends.
#pragma once

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/management_server.hpp"

namespace vpngw {

struct DaemonConfig {
  std::string name;               // in logs: "gateway left", "router r1"
  std::string management_socket;  // path; ManagementServer::default_path(id) by convention
  std::string stats_path;         // empty: no stats file
  std::chrono::milliseconds stats_interval{1000};
  uint16_t metrics_port = 0;      // 0: no Prometheus endpoint; else on 127.0.0.1
  std::chrono::milliseconds shutdown_grace{0};
};

class Daemon {
 public:
  explicit Daemon(DaemonConfig cfg);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  boost::asio::io_context& io();
  const DaemonConfig& config() const;

  // A management command (`vpngw ctl`); a handler throws std::invalid_argument for a bad request.
  void command(const std::string& name, ManagementServer::Handler handler);
  // What the stats file holds and the `stats` command answers.
  void stats(std::function<nlohmann::json()> render);
  // The Prometheus text GET /metrics answers (with metrics_port set).
  void metrics(std::function<std::string()> render);
  // A job every `period` on the control thread, from run() until shutdown.
  void every(std::chrono::milliseconds period, std::function<void()> job);
  // A shutdown step; steps run in the order they were added.
  void on_shutdown(std::function<void()> step);

  // Starts the management socket, the metrics endpoint, the jobs and the stats file, and runs the
  // io_context until shutdown. `started` runs first, on the control thread (start the product's
  // sessions there). The stats file is written once more at the end.
  void run(const std::function<void()>& started = {});
  // Begins the shutdown from the control thread (what a signal does).
  void stop();
  // Writes the stats file now (no-op without stats_path or a stats renderer).
  void write_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpngw
