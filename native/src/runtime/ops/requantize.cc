// requantize: int8 → int8 at another scale, q' = clip(rne(f32(q * M)), -qmax, qmax)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) { return ParseScaled(p, op, kI8, kI8); }

Status Run(const OpRunCtx& c, const Op& op) {
  kernels::SelectRequantize(c.isa)(c.Ptr<const int8_t>(op.inputs[0]), c.Numel(op.output), op.scale, op.qmax, c.Ptr<int8_t>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kRequantize = {OpKind::kRequantize, "requantize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
