// dequantize: int8 → float32, x = f32((q + z_in) * f32(1 / S)) (z: the zero offset)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) { return ParseScaled(p, op, kI8, kF32); }

Status Run(const OpRunCtx& c, const Op& op) {
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  const int32_t zi = c.model.tensors[op.inputs[0]].zero;
  if (zi != 0) kernels::DequantizeS8ToF32Offset(x, c.Numel(op.output), op.scale, zi, c.Ptr<float>(op.output));
  else kernels::SelectDequantize(c.isa)(x, c.Numel(op.output), op.scale, c.Ptr<float>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kDequantize = {OpKind::kDequantize, "dequantize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
