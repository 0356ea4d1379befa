// qrelu: max(q, 0) at the input's scale
#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

// max(q, 0) clamps at the real value 0 only without an offset
Status Parse(OpParser& p, Op* op) {
  EQ_RETURN_IF_ERROR(ParseSameSize(p, op));
  return NoZeroOffsets(p, *op);
}

Status Run(const OpRunCtx& c, const Op& op) {
  kernels::ReluS8(c.Ptr<const int8_t>(op.inputs[0]), c.Numel(op.output), c.Ptr<int8_t>(op.output));
  return Status::Ok();
}

}  // namespace

extern const OpDef kQRelu = {OpKind::kQRelu, "qrelu", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
