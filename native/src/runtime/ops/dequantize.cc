// dequantize: int8 → float32, x = f32(q * f32(1 / S))
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) { return ParseScaled(p, op, kI8, kF32); }

Status Run(const OpRunCtx& c, const Op& op) {
  kernels::SelectDequantize(c.isa)(c.Ptr<const int8_t>(op.inputs[0]), c.Numel(op.output), op.scale, c.Ptr<float>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kDequantize = {OpKind::kDequantize, "dequantize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
