// qreshape: the int8 data copied under new dims (Reshape, Flatten, Squeeze, Unsqueeze, Identity)
#include <cstring>

#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

// a copy: the output keeps the input's zero offset
Status Parse(OpParser& p, Op* op) {
  EQ_RETURN_IF_ERROR(ParseSameSize(p, op));
  return SameZeroOffset(p, *op);
}

Status Run(const OpRunCtx& c, const Op& op) {
  std::memcpy(c.Ptr<void>(op.output), c.Ptr<const void>(op.inputs[0]), c.Numel(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQReshape = {OpKind::kQReshape, "qreshape", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
