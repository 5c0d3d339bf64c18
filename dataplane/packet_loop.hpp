// What every packet loop of vpngw stands on (the gateway's two directions, the Client VPN
// endpoint's two, the NAT router's one): threads that own their buffers, a stop signal that wakes
// them out of poll(), and one allocation of packet slots per thread, made before the loop starts.
//
//   PacketLoop loops;                       // owned by the worker
//   loops.spawn([this] { run_outbound(); });
//   ... in the thread: SlotArena arena(kBatch, kSlot);
//                      while (loops.wait(fd) == Wake::readable) { read a batch, process, write }
//   loops.stop();                           // wakes every thread, joins them in spawn order
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

namespace vpngw {

enum class Wake : uint8_t { readable, timeout, stop };

class PacketLoop {
 public:
  PacketLoop();  // throws std::system_error when the eventfd cannot be made
  ~PacketLoop();  // stops and joins
  PacketLoop(const PacketLoop&) = delete;
  PacketLoop& operator=(const PacketLoop&) = delete;

  void spawn(std::function<void()> body);
  // Wakes every thread out of wait() and joins them. Idempotent.
  void stop();

  // Until `fd` is readable, `timeout_ms` passes (-1: never) or stop() is called.
  Wake wait(int fd, int timeout_ms = -1) const;
  // The same over several descriptors (at most 63): their revents are filled in; readable means
  // at least one is.
  Wake wait(std::span<pollfd> fds, int timeout_ms) const;

 private:
  int stop_fd_ = -1;  // an eventfd, readable once stop() ran
  std::vector<std::thread> threads_;
};

// `count` packet slots of `size` bytes in one allocation.
class SlotArena {
 public:
  SlotArena(size_t count, size_t size) : size_(size), bytes_(new uint8_t[count * size]) {}
  uint8_t* slot(size_t i) { return bytes_.get() + i * size_; }

 private:
  size_t size_;
  std::unique_ptr<uint8_t[]> bytes_;
};

}  // namespace vpngw
