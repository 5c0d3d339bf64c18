#include "lab/process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <cstdio>
#include <system_error>
#include <thread>

#include "lab/netns.hpp"

namespace vpngw::lab {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

std::string stat_field(pid_t pid, int n) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = stat.rfind(')');  // the command name may hold spaces and parentheses
  for (int field = 2; at != std::string::npos && field < n; ++field) at = stat.find(' ', at + 1);
  if (at == std::string::npos) return "";
  return stat.substr(at + 1, stat.find(' ', at + 1) - at - 1);
}

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) throw std::runtime_error(file.string() + ": no PID");
  return pid;
}

namespace {

// The kernel's start time of a process (field 22): a PID recorded long ago may belong to someone
// else now, and only the pair names our process.
std::string start_time(pid_t pid) { return stat_field(pid, 22); }

// A zombie has ended; its parent (init, once `lab up` is gone) has only not reaped it yet.
bool alive(pid_t pid) {
  const std::string state = stat_field(pid, 3);
  return !state.empty() && state != "Z" && state != "X";
}

}  // namespace

pid_t start_process(const std::filesystem::path& work, const Launch& launch) {
  if (launch.argv.empty()) throw std::invalid_argument("start " + launch.name + ": no command");
  NetnsFd ns(launch.netns);
  const std::string log = (work / (launch.name + ".log")).string();
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::system_error(errno, std::generic_category(), "open " + log);
  int report[2];  // the child writes errno here if it cannot exec; exec closes it (CLOEXEC)
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  auto argv = c_argv(launch.argv);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork for " + launch.name);
  if (pid == 0) {
    ::close(report[0]);
    int err = enter_netns_for_exec(ns.fd(), launch.netns.c_str());
    const int null = ::open("/dev/null", O_RDONLY);
    if (err == 0 && (::setsid() < 0 || null < 0 || ::dup2(null, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0))
      err = errno;
    // Nothing else the caller had open goes along: a daemon holding a test runner's pipe would
    // keep the runner waiting for it.
    if (err == 0 && ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) err = errno;
    if (err == 0) {
      ::execvp(argv[0], argv.data());
      err = errno;
    }
    (void)!::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(report[1]);
  ::close(log_fd);
  int err = 0;
  ssize_t n;
  do n = ::read(report[0], &err, sizeof err); while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof err) {
    ::waitpid(pid, nullptr, 0);
    throw std::system_error(err, std::generic_category(), "start " + launch.name + " in " + launch.netns + ": " + command_line(launch.argv));
  }
  std::ofstream(work / (launch.name + ".pid")) << pid << "\n";
  std::ofstream(work / "processes", std::ios::app) << launch.name << " " << pid << " " << start_time(pid) << "\n";
  return pid;
}

void exec_in_node(const std::string& netns, const std::vector<std::string>& argv) {
  NetnsFd ns(netns);
  if (const int err = enter_netns_for_exec(ns.fd(), netns.c_str()); err != 0)
    throw std::system_error(err, std::generic_category(), "enter node " + netns);
  auto args = c_argv(argv);
  ::execvp(args[0], args.data());
  throw std::system_error(errno, std::generic_category(), "exec " + command_line(argv));
}

CommandResult run_in_node(const std::string& netns, const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("run in " + netns + ": no command");
  std::optional<NetnsFd> ns;
  if (!netns.empty()) ns.emplace(netns);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  auto args = c_argv(argv);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork for " + command_line(argv));
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDONLY);
    if ((ns && enter_netns_for_exec(ns->fd(), netns.c_str()) != 0) || null < 0 || ::dup2(null, 0) < 0 || ::dup2(out[1], 1) < 0 ||
        ::dup2(err[1], 2) < 0 || ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
      ::_exit(126);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  CommandResult r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* into[2] = {&r.out, &r.err};
  for (int open_fds = 2; open_fds > 0;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[8192];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        into[i]->append(buf, size_t(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string run_in_node_or_throw(const std::string& netns, const std::vector<std::string>& argv) {
  auto r = run_in_node(netns, argv);
  if (r.exit_status != 0)
    throw std::runtime_error((netns.empty() ? "" : "in " + netns + ": ") + command_line(argv) + " exited with " +
                             std::to_string(r.exit_status) + (r.err.empty() ? "" : ": " + r.err.substr(0, 2000)));
  return std::move(r.out);
}

void wait_for_ready(std::chrono::milliseconds limit, const std::string& what, const std::function<bool()>& ready,
                    const std::vector<std::pair<std::string, pid_t>>& watched, const std::filesystem::path& work) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    try {
      if (ready()) return;
    } catch (const std::exception&) {
      // not answering yet
    }
    for (const auto& [name, pid] : watched) {
      if (child_running(pid)) continue;
      std::ifstream in(work / (name + ".log"));
      std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (log.size() > 1500) log = "..." + log.substr(log.size() - 1500);
      throw std::runtime_error(name + " exited while waiting for " + what + "; " + (work / (name + ".log")).string() + " ends:\n" + log);
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("timed out after " + std::to_string(limit.count()) + " ms waiting for " + what + " (logs in " +
                               work.string() + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool child_running(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid) return false;
  return alive(pid);  // not our child (a later `vpngw lab` call): ask the kernel
}

void stop_processes(const std::filesystem::path& work, std::chrono::milliseconds grace) {
  std::vector<pid_t> pids;
  std::ifstream in(work / "processes");
  std::string name, started;
  pid_t pid;
  while (in >> name >> pid >> started)
    if (pid > 1 && start_time(pid) == started) pids.push_back(pid);
  for (pid_t p : pids) ::kill(p, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (pid_t p : pids) {
    while (child_running(p) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (child_running(p)) ::kill(p, SIGKILL);
  }
  std::filesystem::remove(work / "processes");
}

}  // namespace vpngw::lab
