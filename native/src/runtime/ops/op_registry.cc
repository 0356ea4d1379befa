// The integer op set of EQM v1: one line per op kind (code, name, parse/validate, run).
#include "runtime/ops/op_def.h"

namespace eq {
namespace ops {
extern const OpDef kQuantize, kDequantize, kRequantize, kQLinear, kQMaxPool, kQAvgPool, kQRelu, kQReshape, kQConcat, kQAdd, kFloat, kQLut, kQMul, kQPad, kQResize;
}  // namespace ops

namespace {
const OpDef* const kOps[] = {
    &ops::kQuantize,
    &ops::kDequantize,
    &ops::kRequantize,
    &ops::kQLinear,
    &ops::kQMaxPool,
    &ops::kQAvgPool,
    &ops::kQRelu,
    &ops::kQReshape,
    &ops::kQConcat,
    &ops::kQAdd,
    &ops::kFloat,
    &ops::kQLut,
    &ops::kQMul,
    &ops::kQPad,
    &ops::kQResize,
};
}  // namespace

const OpDef* FindOpDef(uint8_t code) {
  for (const OpDef* d : kOps)
    if (static_cast<uint8_t>(d->kind) == code) return d;
  return nullptr;
}

const char* OpKindName(OpKind k) {
  const OpDef* d = FindOpDef(static_cast<uint8_t>(k));
  return d ? d->name : "?";
}

}  // namespace eq
