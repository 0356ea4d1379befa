// Integer Winograd convolution for 3x3, stride 1, dilation 1, group 1 layers:
// F(2,3) with the integer transform G' = 2G (outputs shifted right by 2) and F(4,3) with
// ncnn-style integer-scaled transforms, int16 transformed tiles and int32 accumulation.
// Both are bit-exact with the direct integer convolution (the value-range proofs are in the
// implementation files). Implementations: scalar/winograd_*.cc and per-ISA variants of the
// batched tile GEMM beside the other kernels of each ISA folder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "common/thread_pool.h"
#include "format/model.h"
#include "kernels/isa.h"

namespace eq {
namespace kernels {

class WinogradConv {
 public:
  virtual ~WinogradConv() = default;
  virtual const char* name() const = 0;  // e.g. "wino43-avx2"
  // bytes of scratch Run needs for `threads` threads
  virtual size_t scratch_bytes(int threads) const = 0;
  // how Run splits over `threads` threads: "one thread", "row tasks", "private tiles" or "channel split"
  virtual const char* split_mode(int threads) const = 0;
  // evicts the transformed weights from the caches (common/cache_evict.h)
  virtual void EvictWeights() const = 0;
  // Called with output rows [y0, y1) of output channels [c0, c1) as soon as acc holds them, on
  // the thread that computed them (so the caller's output stage reads them from that core's cache).
  using RowsDone = std::function<void(size_t y0, size_t y1, size_t c0, size_t c1)>;
  // acc[c * P + p] for every output channel c < cout and position p < P: exactly the int32
  // sums of the direct convolution (no bias). x is one NCHW int8 image.
  // Returns true when it ran in tasks of whole output rows and called rows_done (when given)
  // for each, covering every row and channel once; false when it split the work otherwise
  // (rows_done not called): then the caller processes acc after the call.
  virtual bool Run(const int8_t* x, int32_t* acc, uint8_t* scratch, ThreadPool& pool, const RowsDone* rows_done = nullptr) const = 0;
};

// 3x3, stride 1, dilation 1, group 1, conv (any padding, any size).
bool WinogradApplicable(const LinearGeom& g);
// tile: 2 → F(2,3), 4 → F(4,3). weights: [cout][cin][3][3], |w| <= qmax. Null if not applicable.
std::unique_ptr<WinogradConv> MakeWinogradConv(const LinearGeom& g, const int8_t* weights, int32_t qmax, int tile, Isa isa);

}  // namespace kernels
}  // namespace eq
