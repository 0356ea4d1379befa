// Direct (implicit-GEMM) int8 convolution on AMX tiles for dilation-1, group-1 convolutions
// with strides 1..4: no im2col. For each block of output rows, the input rows it reads are
// repacked into a zero-padded "4-channel interleaved" strip xp[cin_p/4][rows][Wp][4], in which 16 consecutive output
// positions of one row and 64 consecutive input channels of one tap (ky, kx) are exactly one
// TDPBSSD B tile: 16 rows of 64 contiguous bytes, one row per channel quad, rows one strip
// plane apart (the tile load's stride). The weights are the A tiles, packed once per tap
// and 64-channel step. Each output row is covered by ceil(outW / 16) tiles of 16 positions;
// the columns past outW are computed on padding and dropped. With a column stride sw each
// padded row is stored as sw column phases, so a tap's 16 outputs stay contiguous.
// Implementation: x86_amx/conv_amx.cc (compiled only where the compiler has AMX).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "format/model.h"
#include "kernels/isa.h"

namespace eq {
namespace kernels {

class AmxConv {
 public:
  virtual ~AmxConv() = default;
  // bytes of scratch RunRows needs for a block of `rows` output rows
  virtual size_t scratch_bytes(size_t rows) const = 0;
  // int32 row length of the accumulators of one output row (ceil(outW / 16) * 16)
  virtual size_t row_stride() const = 0;
  // evicts the packed weights from the caches (common/cache_evict.h)
  virtual void EvictWeights() const = 0;
  // Output rows [y0, y1) and output channels [c0, c1) (c0 a multiple of 16) of the NCHW int8
  // image x: repacks the input rows they read into scratch (so a thread reads only what it wrote
  // itself: sharing one repacked input between threads cost more in cache-line traffic than
  // the repeated halo rows cost here), then acc[(co - c0) * ld + (y - y0) * row_stride() + ox] =
  // the exact int32 sum of the direct convolution (no bias) for co in [c0, c1), y in [y0, y1),
  // ox < outW; ld >= (y1 - y0) * row_stride().
  virtual void RunRows(const int8_t* x, size_t y0, size_t y1, size_t c0, size_t c1, int32_t* acc, size_t ld, uint8_t* scratch) const = 0;
};

// stride 1..4, dilation 1, group 1 convolution with any kernel size and padding.
bool AmxConvApplicable(const LinearGeom& g);
// Null if not applicable, AMX not compiled in or not available here, or out of memory.
std::unique_ptr<AmxConv> MakeAmxConv(const LinearGeom& g, const int8_t* weights);

}  // namespace kernels
}  // namespace eq
