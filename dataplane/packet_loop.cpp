#include "dataplane/packet_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace vpngw {

PacketLoop::PacketLoop() {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

PacketLoop::~PacketLoop() {
  stop();
  ::close(stop_fd_);
}

void PacketLoop::spawn(std::function<void()> body) { threads_.emplace_back(std::move(body)); }

void PacketLoop::stop() {
  const uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) { /* already signalled: the counter is full */ }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

Wake PacketLoop::wait(int fd, int timeout_ms) const {
  pollfd one{fd, POLLIN, 0};
  return wait(std::span<pollfd>(&one, 1), timeout_ms);
}

Wake PacketLoop::wait(std::span<pollfd> fds, int timeout_ms) const {
  // The stop signal rides along as one more descriptor, polled with the caller's.
  pollfd all[64];
  if (fds.size() + 1 > std::size(all)) throw std::invalid_argument("PacketLoop::wait: at most 63 descriptors");
  for (size_t i = 0; i < fds.size(); ++i) all[i] = {fds[i].fd, fds[i].events, 0};
  all[fds.size()] = {stop_fd_, POLLIN, 0};
  for (;;) {
    const int r = ::poll(all, nfds_t(fds.size() + 1), timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || all[fds.size()].revents) return Wake::stop;
    for (size_t i = 0; i < fds.size(); ++i) fds[i].revents = all[i].revents;
    return r == 0 ? Wake::timeout : Wake::readable;
  }
}

}  // namespace vpngw
