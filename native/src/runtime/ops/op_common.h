// Parsing shared by several op kinds (one tensor in, one out; pooling windows).
#pragma once

#include <algorithm>
#include <cstddef>

#include "format/checked_math.h"
#include "runtime/ops/op_def.h"

namespace eq {
namespace ops {

constexpr int kF32 = static_cast<int>(DType::kF32);
constexpr int kI8 = static_cast<int>(DType::kI8);

// Use(in), Produce(out), inputs = {in}, output = out
Status Connect(OpParser& p, Op* op, int32_t in, int32_t out);
// quantize / dequantize / requantize: input, output, one positive float32 scale or multiplier
Status ParseScaled(OpParser& p, Op* op, int in_dtype, int out_dtype);
// qrelu / qreshape: int8 input and output of the same size
Status ParseSameSize(OpParser& p, Op* op);
// qmaxpool / qavgpool: int8 tensors, window geometry, count_include_pad, scales
Status ParsePool(OpParser& p, Op* op);

// Zero offsets (TensorInfo::zero) of an op's int8 operands, checked after they are connected:
// ops whose arithmetic does not model the offset reject any int8 operand that has one
Status NoZeroOffsets(OpParser& p, const Op& op);
// ops that move stored values unchanged (qreshape, qmaxpool, qpad) keep the input's offset
Status SameZeroOffset(OpParser& p, const Op& op);

// Element-wise ops (qadd, qlut, quantize): [0, n) as one contiguous 64-byte-aligned range per thread,
// fn(i0, i1) for each non-empty one. Their operands were written by the previous layers'
// threads, so on one thread half of them arrive from the other core's cache (ResNet-18's
// residual adds ran 1.4-2x slower on 2 threads than on 1 before this split). Under the pool's
// work threshold (~32 K values at 32 per value) the caller does it alone.
template <class Fn>
void ForEachThreadRange(ThreadPool& pool, size_t n, const Fn& fn) {
  constexpr uint64_t kWorkPerValue = 32;
  const size_t parts = static_cast<size_t>(pool.threads());
  const size_t step = (n / parts + 63) & ~static_cast<size_t>(63);
  pool.ParallelFor(parts, [&](size_t t, int) {
    const size_t i0 = std::min(n, t * step), i1 = t + 1 == parts ? n : std::min(n, i0 + step);
    if (i1 > i0) fn(i0, i1);
  }, static_cast<uint64_t>(n) * kWorkPerValue);
}

}  // namespace ops
}  // namespace eq
