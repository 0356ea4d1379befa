// FP32 BatchNormalization (inference): y = x * a + o per channel (axis 1) with
// a = scale / sqrt(var + epsilon) and o = B - mean * a, all in double and rounded once, like
// the TypeScript kernel (ops/batch-normalization.ts). The loader keeps BN nodes the graph
// passes could not fold into a Conv (e.g. after a ConvTranspose).
#include <vector>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class BatchNormKernel : public Kernel {
 public:
  BatchNormKernel(int64_t N, int64_t C, int64_t S, double eps) : N_(N), C_(C), S_(S), eps_(eps) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    const float* sc = static_cast<const float*>(ins[1]);
    const float* b = static_cast<const float*>(ins[2]);
    const float* mean = static_cast<const float*>(ins[3]);
    const float* var = static_cast<const float*>(ins[4]);
    float* y = static_cast<float*>(outs[0]);
    for (int64_t c = 0; c < C_; c++) {
      const double a = static_cast<double>(sc[c]) / std::sqrt(static_cast<double>(var[c]) + eps_);
      const double o = static_cast<double>(b[c]) - static_cast<double>(mean[c]) * a;
      for (int64_t n = 0; n < N_; n++) {
        const int64_t base = (n * C_ + c) * S_;
        for (int64_t i = 0; i < S_; i++) y[base + i] = static_cast<float>(static_cast<double>(x[base + i]) * a + o);
      }
    }
  }

 private:
  int64_t N_, C_, S_;
  double eps_;
};

}  // namespace

Status PrepareBatchNorm(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(5, 5));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  if (x->dims.size() < 2) return c.Fail("input must have rank >= 2, got " + DimsStr(x->dims));
  const int64_t C = x->dims[1];
  static const char* kNames[] = {"scale", "B", "mean", "var"};
  for (size_t i = 1; i <= 4; i++) {
    const TensorInfo* p;
    EQ_RETURN_IF_ERROR(c.Req(i, kNames[i - 1], &p));
    if (p->numel != C) return c.Fail(std::string(kNames[i - 1]) + " " + DimsStr(p->dims) + " does not match " + std::to_string(C) + " channels");
  }
  if (c.opset >= 14) {
    int64_t training;
    EQ_RETURN_IF_ERROR(c.AttrInt("training_mode", 0, &training));
    if (training != 0) return c.Unsup("training_mode=1 is not supported");
  }
  // only Y: old opsets list running statistics as extra outputs, which inference graphs leave unused
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  double eps;
  EQ_RETURN_IF_ERROR(c.AttrFloat("epsilon", 1e-5, &eps));
  if (!(eps >= 0) || !std::isfinite(eps)) return c.Fail("epsilon must be a finite non-negative number");
  const int64_t N = x->dims[0];
  const int64_t S = N * C == 0 ? 0 : x->numel / (N * C);
  c.SetKernel(std::make_shared<BatchNormKernel>(N, C, S, eps), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
