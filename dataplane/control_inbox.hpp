// Datagrams that arrive on the data plane's UDP 4500 socket but belong to the control plane: IKE
// behind the RFC 3948 non-ESP marker (NAT-T moves IKE to port 4500 and shares the socket with
// ESP). The inbound worker copies them into this bounded single-producer/single-consumer ring and
// wakes the control thread through an eventfd; it never blocks on the control plane: when the
// ring is full the datagram is dropped and counted (IKE retransmits).
#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace vpngw {

class ControlInbox {
 public:
  static constexpr size_t kSlots = 64;
  static constexpr size_t kMaxDatagram = 8192;  // IKE messages with PSK stay far below this

  struct Entry {
    size_t len = 0;
    sockaddr_storage from{};
    socklen_t from_len = 0;
    uint8_t data[kMaxDatagram];
  };

  ControlInbox();
  ~ControlInbox();
  ControlInbox(const ControlInbox&) = delete;
  ControlInbox& operator=(const ControlInbox&) = delete;

  // Producer (the inbound worker). False when the ring is full or the datagram too big.
  bool push(std::span<const uint8_t> datagram, const sockaddr_storage& from, socklen_t from_len);

  // Consumer (the control thread): calls fn(const Entry&) for every waiting datagram.
  template <typename Fn>
  size_t drain(Fn&& fn) {
    clear_wakeup();
    size_t n = 0;
    for (;;) {
      const uint64_t tail = tail_.load(std::memory_order_relaxed);
      if (tail == head_.load(std::memory_order_acquire)) return n;
      fn(static_cast<const Entry&>(ring_[tail % kSlots]));
      tail_.store(tail + 1, std::memory_order_release);
      ++n;
    }
  }

  int wakeup_fd() const { return event_fd_; }

 private:
  void clear_wakeup();

  std::unique_ptr<Entry[]> ring_;
  alignas(64) std::atomic<uint64_t> head_{0};  // next slot the producer fills
  alignas(64) std::atomic<uint64_t> tail_{0};  // next slot the consumer reads
  int event_fd_ = -1;
};

}  // namespace vpngw
