// qadd: q = clip(rne(f32(f32(qa * Ma) + f32(qb * Mb))), lo, hi)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) {
  ByteReader& r = p.r;
  const int32_t qmax = op->qmax;
  int32_t a = -1, b = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("a", kI8, &a));
  EQ_RETURN_IF_ERROR(p.Ref("b", kI8, &b));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  op->mult_a = r.F32("multA");
  op->mult_b = r.F32("multB");
  op->lo = r.I32("lo");
  op->hi = r.I32("hi");
  if (!r.ok()) return p.Truncated();
  if (!PositiveFinite(op->mult_a) || !PositiveFinite(op->mult_b)) return p.Invalid("invalid multipliers");
  if (op->lo < -qmax || op->lo > qmax || op->hi < -qmax || op->hi > qmax) return p.Invalid("lo/hi are outside [-qmax, qmax]");
  if (p.Numel(a) != p.Numel(out) || p.Numel(b) != p.Numel(out)) return p.Invalid("operand sizes differ");
  EQ_RETURN_IF_ERROR(p.Use(a));
  EQ_RETURN_IF_ERROR(p.Use(b));
  EQ_RETURN_IF_ERROR(p.Produce(out));
  op->inputs = {a, b};
  op->output = out;
  op->work = static_cast<uint64_t>(p.Numel(out));
  return NoZeroOffsets(p, *op);  // the arithmetic takes stored values as the real ones
}

// One range per thread (ForEachThreadRange says why)
Status Run(const OpRunCtx& c, const Op& op) {
  const auto add = kernels::SelectAdd(c.isa);
  const int8_t* a = c.Ptr<const int8_t>(op.inputs[0]);
  const int8_t* b = c.Ptr<const int8_t>(op.inputs[1]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  ForEachThreadRange(c.pool, c.Numel(op.output), [&](size_t i0, size_t i1) {
    add(a + i0, b + i0, i1 - i0, op.mult_a, op.mult_b, op.lo, op.hi, y + i0);
  });
  return Status::Ok();
}

}  // namespace

extern const OpDef kQAdd = {OpKind::kQAdd, "qadd", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
