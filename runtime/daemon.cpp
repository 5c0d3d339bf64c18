#include "runtime/daemon.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <list>

#include "runtime/metrics_server.hpp"
#include "runtime/stats_file.hpp"

namespace vpngw {

struct Daemon::Impl {
  DaemonConfig cfg;
  boost::asio::io_context io;
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
  ManagementServer mgmt;
  std::unique_ptr<MetricsServer> metrics;
  std::function<nlohmann::json()> render_stats;
  std::function<std::string()> render_metrics;
  struct Job {
    std::chrono::milliseconds period;
    std::function<void()> run;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::list<Job> jobs;  // a list: armed jobs are referenced by their timers' handlers
  std::vector<std::function<void()>> shutdown_steps;
  boost::asio::steady_timer grace{io};
  bool running = false, stopping = false;

  explicit Impl(DaemonConfig c) : cfg(std::move(c)), mgmt(io, cfg.management_socket) {}

  void arm(Job& job) {
    job.timer->expires_after(job.period);
    job.timer->async_wait([this, &job](const boost::system::error_code& ec) {
      if (ec || stopping) return;
      job.run();
      arm(job);
    });
  }
};

Daemon::Daemon(DaemonConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
Daemon::~Daemon() = default;

boost::asio::io_context& Daemon::io() { return impl_->io; }
const DaemonConfig& Daemon::config() const { return impl_->cfg; }

void Daemon::command(const std::string& name, ManagementServer::Handler handler) {
  impl_->mgmt.add(name, std::move(handler));
}

void Daemon::stats(std::function<nlohmann::json()> render) {
  impl_->render_stats = render;
  impl_->mgmt.add("stats", [render](const nlohmann::json&) { return render(); });
}

void Daemon::metrics(std::function<std::string()> render) { impl_->render_metrics = std::move(render); }

void Daemon::every(std::chrono::milliseconds period, std::function<void()> job) {
  auto& j = impl_->jobs.emplace_back(Impl::Job{period, std::move(job), std::make_unique<boost::asio::steady_timer>(impl_->io)});
  if (impl_->running && !impl_->stopping) impl_->arm(j);
}

void Daemon::on_shutdown(std::function<void()> step) { impl_->shutdown_steps.push_back(std::move(step)); }

void Daemon::write_stats() const {
  if (!impl_->cfg.stats_path.empty() && impl_->render_stats) write_json_file(impl_->cfg.stats_path, impl_->render_stats());
}

void Daemon::stop() {
  auto& s = *impl_;
  if (s.stopping) return;
  s.stopping = true;
  boost::system::error_code ignored;
  s.signals.cancel(ignored);
  for (auto& j : s.jobs) j.timer->cancel();
  s.mgmt.stop();
  if (s.metrics) s.metrics->stop();
  for (auto& step : s.shutdown_steps) step();
  if (s.cfg.shutdown_grace.count() > 0) {
    s.grace.expires_after(s.cfg.shutdown_grace);
    s.grace.async_wait([&s](const boost::system::error_code&) { s.io.stop(); });
  }
}

void Daemon::run(const std::function<void()>& started) {
  auto& s = *impl_;
  s.signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("{}: signal {}, shutting down", impl_->cfg.name, sig);
    stop();
  });
  if (s.cfg.metrics_port && s.render_metrics) {
    s.metrics = std::make_unique<MetricsServer>(s.io, "127.0.0.1", s.cfg.metrics_port, s.render_metrics);
    s.metrics->start();
  }
  s.mgmt.start();
  if (started) started();
  if (!s.cfg.stats_path.empty() && s.render_stats)
    every(s.cfg.stats_interval, [this] { write_stats(); });
  for (auto& j : s.jobs) s.arm(j);
  s.running = true;
  write_stats();
  s.io.run();
  write_stats();
}

}  // namespace vpngw
