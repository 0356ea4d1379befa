// qconcat: each int8 input requantized to the output scale and zero offset (copied when the
// multiplier is 1 and the offsets agree; nothing to copy when the arena placed the input inside
// the output, see arena_plan.cc)
#include <vector>

#include "format/eqm_format.h"
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

using std::to_string;

Status Parse(OpParser& p, Op* op) {
  ByteReader& r = p.r;
  int32_t out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  op->axis = r.U32("axis");
  const uint32_t n = r.U32("input count");
  if (!r.ok()) return p.Truncated();
  if (n < 1 || n > eqm::kMaxList || static_cast<uint64_t>(n) * 8 > r.remaining()) return p.Invalid("invalid input count");
  const TensorInfo& ot = p.model.tensors[out];
  if (op->axis >= ot.dims.size()) return p.Invalid("axis " + to_string(op->axis) + " is out of range");
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n; i++) {
    int32_t t = -1;
    EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &t));
    const float m = r.F32("multiplier");
    if (!r.ok()) return p.Truncated();
    if (!PositiveFinite(m)) return p.Invalid("invalid multiplier");
    const TensorInfo& it = p.model.tensors[t];
    if (it.dims.size() != ot.dims.size()) return p.Invalid("input '" + it.name + "' has a different rank");
    for (size_t d = 0; d < ot.dims.size(); d++)
      if (d != op->axis && it.dims[d] != ot.dims[d]) return p.Invalid("input '" + it.name + "' does not match the output shape");
    sum += static_cast<uint64_t>(it.dims[op->axis]);
    EQ_RETURN_IF_ERROR(p.Use(t));
    op->inputs.push_back(t);
    op->mults.push_back(m);
  }
  if (sum != static_cast<uint64_t>(ot.dims[op->axis])) return p.Invalid("inputs do not add up to the output along the axis");
  EQ_RETURN_IF_ERROR(p.Produce(out));
  op->output = out;
  op->work = static_cast<uint64_t>(p.Numel(out));
  return Status::Ok();
}

Status Run(const OpRunCtx& c, const Op& op) {
  const TensorInfo& t = c.model.tensors[op.output];
  size_t outer = 1;
  for (uint32_t d = 0; d < op.axis; d++) outer *= static_cast<size_t>(t.dims[d]);
  std::vector<const int8_t*> xs;
  std::vector<size_t> inner;
  std::vector<int32_t> zeros;
  for (int32_t i : op.inputs) {
    xs.push_back(c.Ptr<const int8_t>(i));
    inner.push_back(c.Numel(i) / outer);
    zeros.push_back(c.model.tensors[i].zero);
  }
  kernels::ConcatS8(xs.data(), inner.data(), op.mults.data(), zeros.data(), xs.size(), outer, op.qmax, t.zero, c.Ptr<int8_t>(op.output),
                    kernels::SelectRequantize(c.isa));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQConcat = {OpKind::kQConcat, "qconcat", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
