// FP32 HardSigmoid: y = max(0, min(1, alpha * x + beta)) (alpha 0.2, beta 0.5 by default),
// in float32 arithmetic with the product and the sum each rounded (-ffp-contract=off), which is
// onnxruntime's result and the TypeScript kernel's (ops/hard-sigmoid.ts).
#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class HardSigmoidKernel : public Kernel {
 public:
  HardSigmoidKernel(size_t n, double alpha, double beta) : n_(n), alpha_(static_cast<float>(alpha)), beta_(static_cast<float>(beta)) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    for (size_t i = 0; i < n_; i++) {
      const float v = alpha_ * x[i] + beta_;
      // NaN stays NaN (both comparisons are false), as in the TypeScript kernel
      y[i] = v < 0 ? 0.0f : v > 1 ? 1.0f : v;
    }
  }

 private:
  size_t n_;
  float alpha_, beta_;
};

}  // namespace

Status PrepareHardSigmoid(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  double alpha, beta;
  EQ_RETURN_IF_ERROR(c.AttrFloat("alpha", 0.2, &alpha));
  EQ_RETURN_IF_ERROR(c.AttrFloat("beta", 0.5, &beta));
  if (!(std::fabs(alpha) <= 3.4028234663852886e38) || !(std::fabs(beta) <= 3.4028234663852886e38)) return c.Fail("alpha and beta must be finite float32 values");
  c.SetKernel(std::make_shared<HardSigmoidKernel>(static_cast<size_t>(x->numel), alpha, beta), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
