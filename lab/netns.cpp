#include "lab/netns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "tun/netlink.hpp"

namespace vpngw::lab {
namespace {

constexpr const char* kRunDir = "/run/netns";
constexpr const char* kEtcDir = "/etc/netns";

std::string run_path(const std::string& name) { return std::string(kRunDir) + "/" + name; }

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// /run/netns must be a shared mount point so that the bind mounts below reach every mount
// namespace (iproute2 does the same on its first `ip netns add`).
void prepare_run_dir() {
  ::mkdir(kRunDir, 0755);
  if (::mount("", kRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) fail("make /run/netns shared");
  if (::mount(kRunDir, kRunDir, "none", MS_BIND | MS_REC, nullptr) != 0) fail("bind /run/netns onto itself");
  if (::mount("", kRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0) fail("make /run/netns shared");
}

}  // namespace

NetnsFd::NetnsFd(const std::string& name) : fd_(::open(run_path(name).c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ < 0) fail("open network namespace " + name);
}

NetnsFd::~NetnsFd() { ::close(fd_); }

EnterNetns::EnterNetns(const std::string& name) : home_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  if (home_ < 0) fail("open this thread's network namespace");
  NetnsFd target(name);
  if (::setns(target.fd(), CLONE_NEWNET) != 0) {
    const int err = errno;
    ::close(home_);
    throw std::system_error(err, std::generic_category(), "enter network namespace " + name);
  }
}

EnterNetns::~EnterNetns() {
  ::setns(home_, CLONE_NEWNET);  // back where the thread was; it was there a moment ago
  ::close(home_);
}

void create_netns(const std::string& name) {
  prepare_run_dir();
  const std::string path = run_path(name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) fail("create network namespace " + name);
  ::close(fd);
  const int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) fail("open this thread's network namespace");
  int err = 0;
  if (::unshare(CLONE_NEWNET) != 0) err = errno;
  else if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) err = errno;
  ::setns(home, CLONE_NEWNET);
  ::close(home);
  if (err != 0) {
    ::unlink(path.c_str());
    throw std::system_error(err, std::generic_category(), "create network namespace " + name);
  }
  EnterNetns in(name);
  Netlink nl;
  nl.set_link_up(Netlink::ifindex("lo"), true);
}

std::vector<pid_t> pids_in_netns(const std::string& name) {
  struct stat ns{};
  if (::stat(run_path(name).c_str(), &ns) != 0) return {};
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat st{};
    if (::stat(("/proc/" + pid + "/ns/net").c_str(), &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev)
      pids.push_back(pid_t(std::stol(pid)));
  }
  return pids;
}

void delete_netns(const std::string& name) {
  for (pid_t pid : pids_in_netns(name)) ::kill(pid, SIGKILL);
  const std::string path = run_path(name);
  ::umount2(path.c_str(), MNT_DETACH);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail("remove network namespace " + name);
  std::error_code ignored;
  std::filesystem::remove_all(std::string(kEtcDir) + "/" + name, ignored);
}

std::vector<std::string> list_netns(const std::string& prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kRunDir, ec)) {
    const std::string name = entry.path().filename();
    if (name.rfind(prefix + "-", 0) == 0) names.push_back(name);
  }
  return names;
}

void write_sysctl(const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  for (size_t i = 10; i < path.size(); ++i)
    if (path[i] == '.') path[i] = '/';
  std::ofstream out(path);
  out << value;
  if (!out.flush()) throw std::runtime_error("sysctl " + key + "=" + value + ": cannot write " + path);
}

int enter_netns_for_exec(int netns_fd, const char* name) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) return errno;
  if (::unshare(CLONE_NEWNS) != 0) return errno;
  // Our mounts stay ours: nothing below propagates back to the host.
  if (::mount("", "/", "none", MS_SLAVE | MS_REC, nullptr) != 0) return errno;
  const std::string etc = std::string(kEtcDir) + "/" + name;
  if (DIR* d = ::opendir(etc.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const std::string from = etc + "/" + e->d_name, to = std::string("/etc/") + e->d_name;
      if (::mount(from.c_str(), to.c_str(), "none", MS_BIND, nullptr) != 0) {
        const int err = errno;
        ::closedir(d);
        return err;
      }
    }
    ::closedir(d);
  }
  // /sys/class/net lists the namespace it was mounted in: mount one for ours.
  ::umount2("/sys", MNT_DETACH);
  if (::mount(name, "/sys", "sysfs", 0, nullptr) != 0) return errno;
  return 0;
}

}  // namespace vpngw::lab
