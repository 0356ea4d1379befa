// qavgpool: q = clip(rne(f32(f32(sum) * f32(S_out / (S_in * count)))) - z_out, -qmax, qmax), the sum
// over (q + z_in) of the taps inside the input (z: the zero offsets)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Run(const OpRunCtx& c, const Op& op) {
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  const int32_t zi = c.model.tensors[op.inputs[0]].zero, zo = c.model.tensors[op.output].zero;
  if (kernels::IsGlobalPool(op.pool)) kernels::GlobalAvgPoolS8(x, op.pool, op.in_scale, op.out_scale, op.qmax, zi, zo, y, kernels::SelectSumS8(c.isa));
  else kernels::AvgPoolS8(x, op.pool, op.in_scale, op.out_scale, op.qmax, zi, zo, y);
  return Status::Ok();
}

}  // namespace

extern const OpDef kQAvgPool = {OpKind::kQAvgPool, "qavgpool", ParsePool, nullptr, Run};

}  // namespace ops
}  // namespace eq
