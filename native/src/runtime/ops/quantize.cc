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
  int8_t* y = c.Ptr<int8_t>(op.output);
  const kernels::QuantizeFn quantize = kernels::SelectQuantize(c.isa);
  // split over the threads: a 224x224x3 network input is 150 K values (0.02-0.05 ms, the
  // largest op left on one thread in ResNet-18 and MobileNet v1 0.25 at 2 threads)
  ForEachThreadRange(c.pool, c.Numel(op.output), [&](size_t i0, size_t i1) {
    if (zo != 0) kernels::QuantizeF32ToS8Offset(x + i0, i1 - i0, op.scale, op.qmax, zo, y + i0);
    else quantize(x + i0, i1 - i0, op.scale, op.qmax, y + i0);
  });
  return Status::Ok();
}

}  // namespace

extern const OpDef kQuantize = {OpKind::kQuantize, "quantize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
