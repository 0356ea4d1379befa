// requantize: int8 → int8 at another scale (and zero offset z), q' = clip(rne(f32((q + z_in) * M)) - z_out, -qmax, qmax)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) { return ParseScaled(p, op, kI8, kI8); }

Status Run(const OpRunCtx& c, const Op& op) {
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  const int32_t zi = c.model.tensors[op.inputs[0]].zero, zo = c.model.tensors[op.output].zero;
  if (zi != 0 || zo != 0) kernels::RequantizeS8Offset(x, c.Numel(op.output), op.scale, op.qmax, zi, zo, c.Ptr<int8_t>(op.output));
  else kernels::SelectRequantize(c.isa)(x, c.Numel(op.output), op.scale, op.qmax, c.Ptr<int8_t>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kRequantize = {OpKind::kRequantize, "requantize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
