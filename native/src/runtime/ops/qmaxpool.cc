// qmaxpool: max over the window, same scale; planes split over the thread pool
#include <algorithm>

#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

// max is order-preserving and padding taps are skipped: the offset passes through unchanged
Status Parse(OpParser& p, Op* op) {
  EQ_RETURN_IF_ERROR(ParsePool(p, op));
  return SameZeroOffset(p, *op);
}

Status Run(const OpRunCtx& c, const Op& op) {
  const size_t planes = static_cast<size_t>(op.pool.N) * op.pool.C;
  const size_t chunk = std::max<size_t>(1, (planes + c.pool.threads() * 4 - 1) / (c.pool.threads() * 4));
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  const kernels::MaxPoolFn maxpool = kernels::SelectMaxPool(c.isa);
  // a tap here is a byte compare on a short row, several times the cost of the pool's unit of
  // work (a GEMM MAC, 64 per instruction): counted x8, SqueezeNet's 27- and 55-column pools
  // split over 2 threads (0.08 -> 0.05 ms each; on one thread the other core's output was pulled over)
  const uint64_t work = static_cast<uint64_t>(planes) * op.pool.OH * op.pool.OW * op.pool.kh * op.pool.kw * 8;
  c.pool.ParallelFor((planes + chunk - 1) / chunk, [&](size_t t, int) { maxpool(x, op.pool, t * chunk, std::min(planes, (t + 1) * chunk), y); }, work);
  return Status::Ok();
}

}  // namespace

extern const OpDef kQMaxPool = {OpKind::kQMaxPool, "qmaxpool", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
