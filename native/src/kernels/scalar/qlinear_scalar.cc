// Quantized Conv / Gemm: per group, pack (im2col) → int8 GEMM → output stage.
#include "kernels/kernels.h"

namespace eq {
namespace kernels {

Status QLinearForward(const QLinearParams& q, const std::string& name, const int8_t* x, void* out, float* tap, const QLinearScratch& scratch) {
  const LinearGeom& g = q.g;
  const size_t P = g.P;
  const size_t cpg_out = g.cout / g.group;
  // output layout: NCHW for conv (c*P + p), [M][N] for gemm (p*cout + c)
  const size_t cstride = g.conv ? P : 1;
  const size_t pstride = g.conv ? 1 : g.cout;
  const OutputStage stage{q.bias.data(), q.mult.data(), q.tap_mult.data(), q.lo, q.hi, q.has_act, q.act_min, q.act_max};
  for (uint32_t gi = 0; gi < g.group; gi++) {
    if (g.conv) Im2ColS8(x, g, gi, scratch.cols);
    else PackGemmInputS8(x, g.P, g.K, scratch.cols);
    const size_t c0 = gi * cpg_out;
    IGemmS8S8S32(cpg_out, P, g.K, q.weights.data() + c0 * g.K, g.K, scratch.cols, P, scratch.acc, P);
    size_t bad = 0;
    const bool ok = q.int_out ? OutputStageS8(scratch.acc, c0, cpg_out, P, stage, static_cast<int8_t*>(out), cstride, pstride, tap, &bad)
                              : OutputStageF32(scratch.acc, c0, cpg_out, P, stage, static_cast<float*>(out), cstride, pstride, tap, &bad);
    if (!ok) return RuntimeError("layer '" + name + "': int32 accumulator overflow (channel " + std::to_string(bad) + ")");
  }
  return Status::Ok();
}

}  // namespace kernels
}  // namespace eq
