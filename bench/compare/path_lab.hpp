// The lab a compared data path runs in (data_paths.hpp says which topology), built afresh for
// each path by the lab's own executor, so no path inherits another's routes, devices or daemons.
// Every process a path starts is a lab process (recorded PID, stopped by `down`), and the daemons
// among them are the ones whose CPU the bench counts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vpngw::bench {

class PathLab {
 public:
  // Builds the topology file's network in namespaces PREFIX-<node>.
  PathLab(const std::string& topology, const std::string& prefix, const std::filesystem::path& work,
          const std::filesystem::path& vpngw);
  ~PathLab();  // down(), quietly
  PathLab(const PathLab&) = delete;
  PathLab& operator=(const PathLab&) = delete;

  const std::filesystem::path& work() const { return work_; }
  const std::filesystem::path& vpngw() const { return vpngw_; }

  // Runs a command to its end in a node ("" for this host's namespace); throws with its stderr.
  std::string run(const std::string& node, const std::vector<std::string>& argv) const;
  // Starts a long-running process in a node, its log in WORK/NAME.log. A daemon is one whose CPU
  // time the bench counts as the path's cost (the VPN processes; not iperf3).
  pid_t start(const std::string& node, const std::string& name, std::vector<std::string> argv, bool daemon);
  // Polls `ready` every 100 ms until `limit`; a process this lab started that died meanwhile ends
  // the wait at once with the tail of its log.
  void wait_for(std::chrono::milliseconds limit, const std::string& what, const std::function<bool()>& ready) const;
  void write_file(const std::string& name, const std::string& text) const;  // WORK/NAME, mode 0600

  // Counts a process the lab's executor started (its PID in WORK/NAME.pid) as a daemon.
  void count_as_daemon(const std::string& name);
  // Stops a process the executor started, by its recorded PID (SIGTERM, then waits until it is gone).
  void stop(const std::string& name);

  // CPU seconds (user + system) the daemons have used so far.
  double daemon_cpu_seconds() const;
  const std::vector<pid_t>& daemons() const { return daemons_; }

  void down();

 private:
  std::string prefix_;
  std::filesystem::path work_, vpngw_;
  std::vector<std::pair<std::string, pid_t>> started_;
  std::vector<pid_t> daemons_;
  bool up_ = false;
};

}  // namespace vpngw::bench
