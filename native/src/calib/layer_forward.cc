// Fake-quantized forward of one layer on all output positions for every calibration image
// (what sequential.ts needs after a group's scales are decided): quantize the input, exact
// int8 convolution through the runtime's kernels (SelectIGemm / SelectDwConv), then
// f32(acc * (1/(Sa*Sw)) + b) in float64 as fake-quant-layer.ts does. On the unsigned grid the
// input is u - q (quantizeInputUnsigned) and Sa = Se = 2*S.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "calib/calib_common.h"
#include "calib/eq_search.h"
#include "common/thread_pool.h"
#include "kernels/igemm.h"
#include "kernels/isa.h"
#include "kernels/kernels.h"

namespace eq {
namespace calib {


const char* ForwardKernelName(int32_t qmax) { return kernels::SelectIGemm(DetectIsa(), qmax)->name; }

Status LayerForward(const ForwardArgs& a) {
  const LinearGeom& g = a.g;
  if (g.cout == 0 || g.K == 0 || g.group == 0 || g.cout % g.group != 0 || g.P == 0) return InvalidArgument("calib: bad layer geometry");
  const Isa isa = a.isa;
  const size_t G = g.group, K = g.K, P = g.P, cout = g.cout, coutg = cout / G;
  const bool depthwise = g.conv && G == g.cin && G == cout && G > 1;
  const kernels::IGemmKernel* gemm = kernels::SelectIGemm(isa, a.qmax);
  const kernels::DwConvKernel* dw = depthwise ? kernels::SelectDwConv(isa, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw) : nullptr;
  // weights packed once per group
  std::vector<Aligned> packed_a;
  if (!depthwise) {
    for (size_t grp = 0; grp < G; grp++) {
      packed_a.emplace_back(gemm->packed_a_bytes(coutg, K));
      if (!packed_a.back().p) return Status(StatusCode::kOutOfMemory, "calib: out of memory for packed weights");
      gemm->pack_a(a.wq + grp * coutg * K, coutg, K, packed_a.back().p);
    }
  }
  const float se = InputScale(a.a_scale, a.unsigned_input);
  std::vector<double> inv(cout);
  const double sa = static_cast<double>(se);
  for (size_t c = 0; c < cout; c++) inv[c] = 1 / (sa * static_cast<double>(static_cast<float>(a.w_scales[c])));
  const size_t in_len = g.conv ? static_cast<size_t>(g.cin) * g.inH * g.inW : P * K;
  const float q = static_cast<float>(a.qmax);
  // exact int32 sums of one quantized input [cout][P]; false when out of memory
  auto conv = [&](const int8_t* xq, int32_t* acc) {
    if (depthwise) {
      dw->run(xq, a.wq, g.inH, g.inW, g.outH, g.outW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padT, g.padL, 0, 0, cout, acc);
      return true;
    }
    std::vector<int8_t> cols(K * P);
    Aligned pb(gemm->packed_b_bytes(K, P));
    if (!pb.p) return false;
    for (size_t grp = 0; grp < G; grp++) {
      if (g.conv) kernels::Im2ColS8(xq, g, static_cast<uint32_t>(grp), cols.data());
      else kernels::PackGemmInputS8(xq, static_cast<uint32_t>(P), static_cast<uint32_t>(K), cols.data());
      gemm->pack_b(cols.data(), P, K, P, pb.p);
      gemm->run(packed_a[grp].p, pb.p, coutg, P, K, acc + grp * coutg * P, P);
    }
    return true;
  };
  // Unsigned grid: the kernels see v = u - q and pad with v = 0, so u = v + q lacks q * w on the
  // taps inside the input only: corr = q * (the sums of an all-ones input), once per call.
  std::vector<int32_t> corr;
  if (a.unsigned_input) {
    std::vector<int8_t> ones(in_len, 1);
    corr.resize(cout * P);
    if (!conv(ones.data(), corr.data())) return Status(StatusCode::kOutOfMemory, "calib: out of memory for the layer input");
    for (int32_t& v : corr) v *= a.qmax;
  }
  ThreadPool pool(a.threads);
  std::atomic<bool> stop{false};
  pool.ParallelFor(a.images, [&](size_t i, int) {
    if (stop.load(std::memory_order_relaxed) || (a.cancel && *a.cancel != 0)) {
      stop = true;
      return;
    }
    std::vector<int8_t> xq(in_len);
    const float* x = a.xs[i];
    if (a.unsigned_input)
      for (size_t e = 0; e < in_len; e++) xq[e] = static_cast<int8_t>(QuantizeValueU(x[e], se, q));
    else
      for (size_t e = 0; e < in_len; e++) xq[e] = static_cast<int8_t>(QuantizeValue(x[e], se, q));
    std::vector<int32_t> acc(cout * P);
    if (!conv(xq.data(), acc.data())) {
      stop = true;
      return;
    }
    if (a.unsigned_input)
      for (size_t e = 0; e < cout * P; e++) acc[e] += corr[e];
    float* out = a.outs[i];
    for (size_t c = 0; c < cout; c++) {
      const double b = static_cast<double>(a.bias[c]);
      const int32_t* ac = acc.data() + c * P;
      for (size_t p = 0; p < P; p++) {
        const float v = static_cast<float>(static_cast<double>(ac[p]) * inv[c] + b);
        if (g.conv) out[c * P + p] = v;
        else out[p * cout + c] = v;
      }
    }
  });
  if (stop || (a.cancel && *a.cancel != 0)) return Status(StatusCode::kRuntimeError, "calibration cancelled");
  return Status::Ok();
}

}  // namespace calib
}  // namespace eq
