// qrelu: max(q, 0) at the input's scale
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

Status Run(const OpRunCtx& c, const Op& op) {
  kernels::ReluS8(c.Ptr<const int8_t>(op.inputs[0]), c.Numel(op.output), c.Ptr<int8_t>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQRelu = {OpKind::kQRelu, "qrelu", ParseSameSize, nullptr, Run};

}  // namespace ops
}  // namespace eq
