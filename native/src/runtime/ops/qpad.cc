// qpad: a zero-constant Pad of int8 data (same scale and zero offset z): output = -z (the real
// value 0), then every input row (last axis) copied to its padded place
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) {
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  const uint32_t rank = p.r.U32("rank");
  if (!p.r.ok()) return p.Truncated();
  const auto& di = p.model.tensors[in].dims;
  const auto& dout = p.model.tensors[out].dims;
  if (rank != di.size() || rank != dout.size() || rank < 1) return p.Invalid("rank does not match the tensors");
  op->pads.resize(2 * rank);
  for (uint32_t k = 0; k < 2 * rank; k++) op->pads[k] = p.r.U32("pad");
  if (!p.r.ok()) return p.Truncated();
  for (uint32_t k = 0; k < rank; k++)
    if (di[k] + op->pads[k] + op->pads[k + rank] != dout[k]) return p.Invalid("output dims are not the padded input dims");
  EQ_RETURN_IF_ERROR(Connect(p, op, in, out));
  op->work = static_cast<uint64_t>(p.Numel(out));
  // the fill -z is a stored value like any other: within [-qmax, qmax] (the INT7 kernels rely on it)
  const int32_t z = p.model.tensors[in].zero;
  if (z > op->qmax) return p.Invalid("zero offset " + std::to_string(z) + " exceeds qmax " + std::to_string(op->qmax) + " (the padding stores -z)");
  return SameZeroOffset(p, *op);
}

Status Run(const OpRunCtx& c, const Op& op) {
  const TensorInfo& in = c.model.tensors[op.inputs[0]];
  const int8_t fill = static_cast<int8_t>(-in.zero);  // z <= 127
  kernels::PadS8(c.Ptr<const int8_t>(op.inputs[0]), in.dims.data(), in.dims.size(), op.pads.data(), c.model.tensors[op.output].dims.data(), fill,
                 c.Ptr<int8_t>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQPad = {OpKind::kQPad, "qpad", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
