// Parsing shared by several op kinds (one tensor in, one out; pooling windows).
#pragma once

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

}  // namespace ops
}  // namespace eq
