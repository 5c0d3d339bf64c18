// Named network namespaces, kept where iproute2 keeps them (/run/netns/NAME, /etc/netns/NAME), so
// `ip netns exec`, tcpdump in a test driver and the lab's own launcher all see the same nodes.
// Root. Every failure throws std::system_error naming the namespace and the step.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vpngw::lab {

void create_netns(const std::string& name);  // with loopback up; throws if it exists
// Kills what still runs in it (SIGKILL: its processes were asked to stop before), unmounts and
// removes it and its /etc/netns folder. A namespace that is not there is fine.
void delete_netns(const std::string& name);
std::vector<std::string> list_netns(const std::string& prefix);  // names starting with PREFIX-
std::vector<pid_t> pids_in_netns(const std::string& name);

// An open namespace file; the fd a veth's far end is moved into, or setns(2) enters.
class NetnsFd {
 public:
  explicit NetnsFd(const std::string& name);
  ~NetnsFd();
  NetnsFd(const NetnsFd&) = delete;
  NetnsFd& operator=(const NetnsFd&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// This thread inside a namespace for the scope: sockets made in it (a Netlink) and sysctls written
// in it belong to that namespace. Other threads stay where they are.
class EnterNetns {
 public:
  explicit EnterNetns(const std::string& name);
  ~EnterNetns();
  EnterNetns(const EnterNetns&) = delete;
  EnterNetns& operator=(const EnterNetns&) = delete;

 private:
  int home_;
};

// net.ipv4.ip_forward=1 as sysctl(8) writes it, in the calling thread's namespace.
void write_sysctl(const std::string& key, const std::string& value);

// What `ip netns exec NAME` sets up in a child before exec: the namespace, a private mount
// namespace with /etc/netns/NAME's files over /etc's (a client's resolv.conf) and the namespace's
// own /sys. For the child of a fork, before exec; the lab is single-threaded, so it may allocate.
// Returns 0 or the failing errno.
int enter_netns_for_exec(int netns_fd, const char* name);

}  // namespace vpngw::lab
