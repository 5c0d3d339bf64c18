// Publishing immutable state (FIB, SA table) from the control plane to the workers.
//
// Contract:
//   - control: publish(new_state) at any time; reclaim() frees states no worker can still hold.
//   - worker:  Reader::enter() before a batch (one atomic load of the pointer), Reader::leave()
//              after it. A reader never blocks, allocates or touches a lock; between batches (for
//              example while it sleeps in poll) it holds nothing.
// This is quiescent-state reclamation: a retired state is freed once every reader has been seen
// outside a batch, or inside one that started after the state was replaced.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace vpngw {

template <typename T>
class Snapshot {
 public:
  class Reader {
   public:
    // Returns the current state; valid until leave().
    const T* enter() {
      epoch_.store(owner_->epoch_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
      return owner_->current_.load(std::memory_order_seq_cst);
    }
    void leave() { epoch_.store(kIdle, std::memory_order_release); }

   private:
    friend class Snapshot;
    explicit Reader(Snapshot* owner) : owner_(owner) {}
    static constexpr uint64_t kIdle = UINT64_MAX;
    Snapshot* owner_;
    std::atomic<uint64_t> epoch_{kIdle};
  };

  explicit Snapshot(std::unique_ptr<const T> initial) : current_(initial.release()) {}
  ~Snapshot() {
    delete current_.load();
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Control plane only. Readers are registered before the workers start.
  Reader& add_reader() {
    std::lock_guard lock(mu_);
    readers_.push_back(std::unique_ptr<Reader>(new Reader(this)));
    return *readers_.back();
  }

  // Control plane: the state readers see from their next enter() on.
  const T* current() const { return current_.load(std::memory_order_acquire); }

  void publish(std::unique_ptr<const T> next) {
    std::lock_guard lock(mu_);
    const T* old = current_.exchange(next.release(), std::memory_order_seq_cst);
    const uint64_t retired_at = epoch_.fetch_add(1, std::memory_order_seq_cst);
    retired_.push_back({retired_at, std::unique_ptr<const T>(old)});
    reclaim_locked();
  }

  // Frees retired states that no reader can hold any more. Cheap; call it from a timer.
  void reclaim() {
    std::lock_guard lock(mu_);
    reclaim_locked();
  }

  size_t retired_count() const {
    std::lock_guard lock(mu_);
    return retired_.size();
  }

 private:
  struct Retired {
    uint64_t epoch;  // the state was current during epochs <= this one
    std::unique_ptr<const T> state;
  };

  void reclaim_locked() {
    uint64_t oldest_active = UINT64_MAX;
    for (const auto& r : readers_) oldest_active = std::min(oldest_active, r->epoch_.load(std::memory_order_seq_cst));
    std::erase_if(retired_, [&](const Retired& r) { return r.epoch < oldest_active; });
  }

  std::atomic<const T*> current_;
  std::atomic<uint64_t> epoch_{0};
  mutable std::mutex mu_;  // control plane only: publishers and reclaim
  std::vector<std::unique_ptr<Reader>> readers_;
  std::vector<Retired> retired_;
};

}  // namespace vpngw
