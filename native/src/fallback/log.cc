// FP32 Log (opset 6+): the natural logarithm in double rounded once to float32, as the
// TypeScript kernel (ops/log.ts, Math.log): log(0) = -Infinity, log(x < 0) = NaN.
#include <cmath>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class LogKernel : public Kernel {
 public:
  explicit LogKernel(size_t n) : n_(n) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    for (size_t i = 0; i < n_; i++) y[i] = static_cast<float>(std::log(static_cast<double>(x[i])));
  }

 private:
  size_t n_;
};

}  // namespace

Status PrepareLog(PrepCtx& c) {
  if (c.opset < 6) return c.Unsup("Log before opset 6 (consumed_inputs) is not supported");
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "input", &x));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  c.SetKernel(std::make_shared<LogKernel>(static_cast<size_t>(x->numel)), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
