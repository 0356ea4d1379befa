// qlut: an int8 -> int8 activation table of 256 entries, out = lut[q + 128] (the compiler fills
// it from the activation and the two scales; src-main/core/engine/lut-activations.ts)
#include <cstring>

#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

constexpr uint64_t kLutSize = 256;

Status Parse(OpParser& p, Op* op) {
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  const uint8_t* tab = nullptr;
  if (!p.ReadBlob(kLutSize, &tab)) return p.Invalid("invalid table reference (256 bytes expected)");
  if (p.Numel(in) != p.Numel(out)) return p.Invalid("input and output sizes differ");
  op->lut.resize(kLutSize);
  std::memcpy(op->lut.data(), tab, kLutSize);
  for (int8_t v : op->lut)
    if (v < -op->qmax || v > op->qmax) return p.Invalid("table entry " + std::to_string(v) + " is outside [-qmax, qmax]");
  EQ_RETURN_IF_ERROR(Connect(p, op, in, out));
  op->work = static_cast<uint64_t>(p.Numel(out));
  return NoZeroOffsets(p, *op);  // the table is built for tensors without an offset
}

// One range per thread, as qadd (ForEachThreadRange says why)
Status Run(const OpRunCtx& c, const Op& op) {
  const auto lut = kernels::SelectLut(c.isa);
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  ForEachThreadRange(c.pool, c.Numel(op.output), [&](size_t i0, size_t i1) { lut(x + i0, i1 - i0, op.lut.data(), y + i0); });
  return Status::Ok();
}

}  // namespace

extern const OpDef kQLut = {OpKind::kQLut, "qlut", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
