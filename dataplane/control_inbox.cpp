#include "dataplane/control_inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace vpngw {

ControlInbox::ControlInbox() : ring_(new Entry[kSlots]) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for the control inbox");
}

ControlInbox::~ControlInbox() { ::close(event_fd_); }

bool ControlInbox::push(std::span<const uint8_t> datagram, const sockaddr_storage& from, socklen_t from_len) {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) >= kSlots || datagram.size() > kMaxDatagram) return false;
  Entry& e = ring_[head % kSlots];
  e.len = datagram.size();
  std::memcpy(e.data, datagram.data(), datagram.size());
  e.from = from;
  e.from_len = from_len;
  head_.store(head + 1, std::memory_order_release);
  const uint64_t one = 1;
  if (::write(event_fd_, &one, sizeof one) < 0) { /* the counter is already non-zero: the reader wakes anyway */ }
  return true;
}

void ControlInbox::clear_wakeup() {
  uint64_t v;
  if (::read(event_fd_, &v, sizeof v) < 0) { /* nothing pending */ }
}

}  // namespace vpngw
