// FP32 HardSwish (opset 14+): y = x * max(0, min(1, alpha * x + 0.5)), alpha = float32(1/6), in
// float32 arithmetic with every step rounded (onnxruntime's result; ops/hard-swish.ts).
#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

constexpr float kAlpha = 1.0f / 6.0f;

class HardSwishKernel : public Kernel {
 public:
  explicit HardSwishKernel(size_t n) : n_(n) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    for (size_t i = 0; i < n_; i++) {
      const float v = x[i];
      const float h = kAlpha * v + 0.5f;  // two roundings: CMakeLists builds with -ffp-contract=off
      // NaN stays NaN (both comparisons are false), as in the TypeScript kernel
      y[i] = v * (h < 0 ? 0.0f : h > 1 ? 1.0f : h);
    }
  }

 private:
  size_t n_;
};

}  // namespace

Status PrepareHardSwish(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  c.SetKernel(std::make_shared<HardSwishKernel>(static_cast<size_t>(x->numel)), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
