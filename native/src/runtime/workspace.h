// Scratch memory of a session: one shared buffer set (im2col columns, full accumulators) and
// one block per pool thread (packed B panel + C block). Buffers grow on first use and are then
// reused by every run, so steady-state runs allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/cache_evict.h"
#include "format/model.h"

namespace eq {

class Workspace {
 public:
  enum SharedSlot { kCols = 0, kAcc = 1, kWino = 2, kSlots = 3 };
  explicit Workspace(int threads) : per_thread_(static_cast<size_t>(threads > 0 ? threads : 1)) {}
  // null on allocation failure
  uint8_t* Shared(SharedSlot slot, size_t bytes) { return Grow(shared_[slot], bytes); }
  // thread: the ParallelFor thread index; each thread only touches its own slot
  uint8_t* PerThread(int thread, size_t bytes) { return Grow(per_thread_[static_cast<size_t>(thread)], bytes); }
  // Evicts every buffer from the caches (the autotune's trials: in a network run the layers in
  // between have used the caches since this layer's scratch was last touched)
  void EvictFromCaches() const {
    for (const AlignedBuffer& b : shared_) eq::EvictFromCaches(b.data(), b.size());
    for (const AlignedBuffer& b : per_thread_) eq::EvictFromCaches(b.data(), b.size());
  }

 private:
  static uint8_t* Grow(AlignedBuffer& b, size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (b.size() < bytes && !b.Reset(bytes + bytes / 4)) return nullptr;
    return b.data();
  }
  AlignedBuffer shared_[kSlots];
  std::vector<AlignedBuffer> per_thread_;
};

}  // namespace eq
