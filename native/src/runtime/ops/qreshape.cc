// qreshape: the int8 data copied under new dims (Reshape, Flatten, Squeeze, Unsqueeze, Identity)
#include <cstring>

#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Run(const OpRunCtx& c, const Op& op) {
  std::memcpy(c.Ptr<void>(op.output), c.Ptr<const void>(op.inputs[0]), c.Numel(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQReshape = {OpKind::kQReshape, "qreshape", ParseSameSize, nullptr, Run};

}  // namespace ops
}  // namespace eq
