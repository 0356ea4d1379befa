// quantize: float32 → int8, q = clip(rne(f32(x * S)) - z_out, -qmax, qmax) (z: the zero offset)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) { return ParseScaled(p, op, kF32, kI8); }

Status Run(const OpRunCtx& c, const Op& op) {
  const float* x = c.Ptr<const float>(op.inputs[0]);
  const int32_t zo = c.model.tensors[op.output].zero;
  if (zo != 0) kernels::QuantizeF32ToS8Offset(x, c.Numel(op.output), op.scale, op.qmax, zo, c.Ptr<int8_t>(op.output));
  else kernels::SelectQuantize(c.isa)(x, c.Numel(op.output), op.scale, op.qmax, c.Ptr<int8_t>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQuantize = {OpKind::kQuantize, "quantize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
