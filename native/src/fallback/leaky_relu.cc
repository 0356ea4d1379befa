// FP32 LeakyRelu: y = x >= 0 ? x : alpha * x (alpha float32(0.01) by default), the product in double and
// rounded once, like the TypeScript kernel (ops/leaky-relu.ts). For float32 x and alpha the
// double product is exact, so this is also onnxruntime's float32 result.
#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class LeakyReluKernel : public Kernel {
 public:
  LeakyReluKernel(size_t n, double alpha) : n_(n), alpha_(alpha) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    for (size_t i = 0; i < n_; i++) {
      const double v = x[i];
      // NaN stays NaN (v >= 0 is false and alpha * NaN is NaN), as in the TypeScript kernel
      y[i] = v >= 0 ? x[i] : static_cast<float>(alpha_ * v);
    }
  }

 private:
  size_t n_;
  double alpha_;
};

}  // namespace

Status PrepareLeakyRelu(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  double alpha;
  EQ_RETURN_IF_ERROR(c.AttrFloat("alpha", static_cast<double>(0.01f), &alpha));
  if (!std::isfinite(alpha)) return c.Fail("alpha must be finite");
  c.SetKernel(std::make_shared<LeakyReluKernel>(static_cast<size_t>(x->numel), alpha), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
