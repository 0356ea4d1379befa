// qpad: a zero-constant Pad of int8 data (same scale): output = 0, then every input row (last
// axis) copied to its padded place
#include <cstring>

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
  return Status::Ok();
}

Status Run(const OpRunCtx& c, const Op& op) {
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  const auto& di = c.model.tensors[op.inputs[0]].dims;
  const auto& dout = c.model.tensors[op.output].dims;
  const size_t r = di.size();
  std::memset(y, 0, c.Numel(op.output));
  const size_t inner = static_cast<size_t>(di[r - 1]);
  const size_t n = c.Numel(op.inputs[0]);
  if (inner == 0 || n == 0) return Status::Ok();
  int64_t idx[16] = {0};  // EQM rank <= 8
  for (size_t row = 0; row < n / inner; row++) {
    int64_t o = 0;
    for (size_t d = 0; d < r; d++) o = o * dout[d] + idx[d] + op.pads[d];
    std::memcpy(y + o, x + row * inner, inner);
    for (size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < di[d]) break;
      idx[d] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace

extern const OpDef kQPad = {OpKind::kQPad, "qpad", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
