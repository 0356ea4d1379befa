// qmul: q = clip(rne(f32(f32(qa * qb) * M)), -qmax, qmax); b broadcast over a, output element i
// reads b[(i / inner) % numel(b)] (a squeeze-excitation gate [N,C,1,1]: inner = H*W)
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Parse(OpParser& p, Op* op) {
  ByteReader& r = p.r;
  int32_t a = -1, b = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("a", kI8, &a));
  EQ_RETURN_IF_ERROR(p.Ref("b", kI8, &b));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  op->mult_a = r.F32("multiplier");
  const uint32_t inner = r.U32("inner");
  if (!r.ok()) return p.Truncated();
  if (!PositiveFinite(op->mult_a)) return p.Invalid("invalid multiplier");
  const int64_t n = p.Numel(out);
  const int64_t nb = p.Numel(b);
  if (p.Numel(a) != n || inner < 1 || nb < 1 || n % (static_cast<int64_t>(inner) * nb) != 0) return p.Invalid("b does not broadcast over a");
  EQ_RETURN_IF_ERROR(p.Use(a));
  EQ_RETURN_IF_ERROR(p.Use(b));
  EQ_RETURN_IF_ERROR(p.Produce(out));
  op->inputs = {a, b};
  op->output = out;
  op->axis = inner;
  op->work = static_cast<uint64_t>(n);
  return NoZeroOffsets(p, *op);  // the arithmetic takes stored values as the real ones
}

Status Run(const OpRunCtx& c, const Op& op) {
  const int8_t* a = c.Ptr<const int8_t>(op.inputs[0]);
  const int8_t* b = c.Ptr<const int8_t>(op.inputs[1]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  const size_t n = c.Numel(op.output), nb = c.Numel(op.inputs[1]), inner = op.axis;
  const float m = op.mult_a;
  const int32_t q = op.qmax;
  const kernels::MulScaleFn row = kernels::SelectMulScale(c.isa);
  // |qa * qb| < 2^24: the float product is the exact integer one
  for (size_t o = 0, j = 0; o < n; o += inner, j = (j + 1 == nb ? 0 : j + 1)) row(a + o, inner, static_cast<float>(b[j]), m, q, y + o);
  return Status::Ok();
}

}  // namespace

extern const OpDef kQMul = {OpKind::kQMul, "qmul", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
