#include "runtime/ops/op_common.h"

#include <algorithm>
#include <string>
#include <vector>

#include "format/checked_math.h"
#include "format/eqm_format.h"

namespace eq {
namespace ops {

using std::to_string;

Status Connect(OpParser& p, Op* op, int32_t in, int32_t out) {
  EQ_RETURN_IF_ERROR(p.Use(in));
  EQ_RETURN_IF_ERROR(p.Produce(out));
  op->inputs = {in};
  op->output = out;
  return Status::Ok();
}

Status ParseScaled(OpParser& p, Op* op, int in_dtype, int out_dtype) {
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", in_dtype, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", out_dtype, &out));
  op->scale = p.r.F32("scale");
  if (!p.r.ok()) return p.Truncated();
  if (!PositiveFinite(op->scale)) return p.Invalid("invalid scale/multiplier");
  if (p.Numel(in) != p.Numel(out)) return p.Invalid("input and output sizes differ");
  op->work = static_cast<uint64_t>(p.Numel(out));
  return Connect(p, op, in, out);
}

Status ParseSameSize(OpParser& p, Op* op) {
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  if (p.Numel(in) != p.Numel(out)) return p.Invalid("input and output sizes differ");
  op->work = static_cast<uint64_t>(p.Numel(out));
  return Connect(p, op, in, out);
}

Status ParsePool(OpParser& p, Op* op) {
  ByteReader& r = p.r;
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  PoolGeom& g = op->pool;
  uint32_t* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.OH, &g.OW, &g.kh, &g.kw, &g.sh, &g.sw, &g.dh, &g.dw, &g.pt, &g.pl, &g.pb, &g.pr};
  for (uint32_t* f : fields) *f = r.U32("geometry");
  g.count_include_pad = r.U8("count_include_pad") != 0;
  r.Skip(3, "reserved");
  op->in_scale = r.F32("input scale");
  op->out_scale = r.F32("output scale");
  if (!r.ok()) return p.Truncated();
  for (uint32_t* f : fields)
    if (*f > eqm::kMaxDim) return p.Invalid("geometry value " + to_string(*f) + " is out of range");
  if (g.N < 1 || g.C < 1 || g.H < 1 || g.W < 1 || g.OH < 1 || g.OW < 1 || g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
    return p.Invalid("sizes, kernel, strides and dilations must be positive");
  uint64_t nc = 0, in_n = 0, out_n = 0;
  if (!MulWithin(g.N, g.C, eqm::kMaxElements, &nc) || !MulWithin(nc, static_cast<uint64_t>(g.H) * g.W, eqm::kMaxElements, &in_n) ||
      !MulWithin(nc, static_cast<uint64_t>(g.OH) * g.OW, eqm::kMaxElements, &out_n) || static_cast<uint64_t>(p.Numel(in)) != in_n ||
      static_cast<uint64_t>(p.Numel(out)) != out_n)
    return p.Invalid("tensor sizes do not match the pool geometry");
  // the window must fit the padded input, and the output count must follow from it
  const uint64_t ekh = static_cast<uint64_t>(g.kh - 1) * g.dh + 1, ekw = static_cast<uint64_t>(g.kw - 1) * g.dw + 1;
  const uint64_t ph = static_cast<uint64_t>(g.H) + g.pt + g.pb, pw = static_cast<uint64_t>(g.W) + g.pl + g.pr;
  if (ekh > ph || ekw > pw) return p.Invalid("the pooling window is larger than the padded input");
  if (g.OH > (ph - ekh) / g.sh + 2 || g.OW > (pw - ekw) / g.sw + 2) return p.Invalid("output size does not follow from the window");
  if (op->kind == OpKind::kQAvgPool && (!PositiveFinite(op->in_scale) || !PositiveFinite(op->out_scale))) return p.Invalid("invalid scales");
  uint64_t taps = std::min<uint64_t>(g.kh, g.H) * std::min<uint64_t>(g.kw, g.W), work = 0;
  if (!MulWithin(out_n, taps, eqm::kMaxWork, &work)) return p.Unsup("the pool needs more than 2^36 taps");
  op->work = work + static_cast<uint64_t>(g.OH + g.OW) * (g.kh + g.kw);
  return Connect(p, op, in, out);
}

Status NoZeroOffsets(OpParser& p, const Op& op) {
  std::vector<int32_t> ts(op.inputs);
  ts.push_back(op.output);
  ts.insert(ts.end(), op.fn.inputs.begin(), op.fn.inputs.end());
  ts.insert(ts.end(), op.fn.outputs.begin(), op.fn.outputs.end());
  const std::string by = op.kind == OpKind::kFloat ? "float op '" + op.fn.op_type + "'" : std::string(OpKindName(op.kind));
  for (int32_t t : ts) {
    if (t < 0) continue;
    const TensorInfo& ti = p.model.tensors[t];
    if (ti.dtype == DType::kI8 && ti.zero != 0) return p.Invalid("tensor '" + ti.name + "': zero offset not supported by " + by);
  }
  return Status::Ok();
}

Status SameZeroOffset(OpParser& p, const Op& op) {
  const TensorInfo& in = p.model.tensors[op.inputs[0]];
  const TensorInfo& out = p.model.tensors[op.output];
  if (in.zero != out.zero)
    return p.Invalid("output '" + out.name + "' has zero offset " + to_string(out.zero) + ", input '" + in.name + "' has " + to_string(in.zero) + ": " +
                     OpKindName(op.kind) + " keeps its input's zero offset");
  return Status::Ok();
}

}  // namespace ops
}  // namespace eq
