#include "bench/compare/path_lab.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "lab/executor.hpp"
#include "lab/process.hpp"
#include "lab/topology.hpp"

namespace vpngw::bench {
namespace fs = std::filesystem;

namespace {

// utime + stime of /proc/PID/stat (fields 14 and 15), in clock ticks; 0 when it is gone.
double cpu_ticks(pid_t pid) {
  double ticks = 0;
  for (int field : {14, 15}) {
    const std::string v = lab::stat_field(pid, field);
    if (!v.empty()) ticks += std::stod(v);
  }
  return ticks;
}

}  // namespace

PathLab::PathLab(const std::string& topology, const std::string& prefix, const fs::path& work, const fs::path& vpngw)
    : prefix_(prefix), work_(work), vpngw_(vpngw) {
  lab::remove_lab(prefix_, work_);  // what a crashed run of the same prefix left
  fs::create_directories(work_);
  const auto t = lab::load_topology(topology, work_.string());
  std::ostringstream quiet;  // the lab's step lines; the bench prints its own
  up_ = true;
  lab::build_lab(t, {prefix_, work_, vpngw_}, quiet);
}

PathLab::~PathLab() {
  try {
    down();
  } catch (...) {
    // a destructor on the way out of an error: the next run's remove_lab cleans up
  }
}

void PathLab::down() {
  if (!up_) return;
  up_ = false;
  lab::remove_lab(prefix_, work_);
}

std::string PathLab::run(const std::string& node, const std::vector<std::string>& argv) const {
  return lab::run_in_node_or_throw(node.empty() ? "" : prefix_ + "-" + node, argv);
}

pid_t PathLab::start(const std::string& node, const std::string& name, std::vector<std::string> argv, bool daemon) {
  const pid_t pid = lab::start_process(work_, {prefix_ + "-" + node, name, std::move(argv)});
  started_.emplace_back(name, pid);
  if (daemon) daemons_.push_back(pid);
  return pid;
}

void PathLab::wait_for(std::chrono::milliseconds limit, const std::string& what, const std::function<bool()>& ready) const {
  lab::wait_for_ready(limit, what, ready, started_, work_);
}

void PathLab::write_file(const std::string& name, const std::string& text) const {
  const fs::path p = work_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  ::chmod(p.c_str(), 0600);  // keys and pre-shared secrets
}

void PathLab::count_as_daemon(const std::string& name) { daemons_.push_back(lab::read_pid(work_ / (name + ".pid"))); }

void PathLab::stop(const std::string& name) {
  const pid_t pid = lab::read_pid(work_ / (name + ".pid"));
  std::erase(daemons_, pid);
  ::kill(pid, SIGTERM);
  // The executor ran in this process, so it is our child: child_running reaps it.
  for (int i = 0; i < 100 && lab::child_running(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (lab::child_running(pid)) ::kill(pid, SIGKILL);
}

double PathLab::daemon_cpu_seconds() const {
  double ticks = 0;
  for (pid_t pid : daemons_) ticks += cpu_ticks(pid);
  return ticks / double(::sysconf(_SC_CLK_TCK));
}

}  // namespace vpngw::bench
