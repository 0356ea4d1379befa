// Softmax. Opset < 13: the input is coerced to 2-D at `axis` (default 1) and softmax runs over
// the flattened inner block. Opset >= 13: along `axis` (default -1). Max-subtracted, exp and
// sum in double, one rounding to float32 (as ops/softmax.ts). Contiguous rows (inner == 1) use
// the row kernel of the session's ISA level (same floats on every level).
#include <cmath>
#include <limits>
#include <vector>

#include "fallback/prep_ctx.h"
#include "kernels/f32_kernels.h"

namespace eq {
namespace fallback {
namespace {

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(int64_t outer, int64_t len, int64_t inner) : outer_(outer), len_(len), inner_(inner) {}
  void Run(const void* const* ins, void* const* outs) const override { RunIsa(ins, outs, Isa::kScalar); }
  void RunIsa(const void* const* ins, void* const* outs, Isa isa) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    std::vector<double> e(static_cast<size_t>(len_));
    if (inner_ == 1) {
      const kernels::SoftmaxRowF32Fn row = kernels::SelectSoftmaxRowF32(isa);
      for (int64_t o = 0; o < outer_; o++) row(x + o * len_, static_cast<size_t>(len_), e.data(), y + o * len_);
      return;
    }
    for (int64_t o = 0; o < outer_; o++) {
      for (int64_t i = 0; i < inner_; i++) {
        const int64_t base = o * len_ * inner_ + i;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0, p = base; k < len_; k++, p += inner_)
          if (x[p] > m) m = x[p];
        double s = 0;
        for (int64_t k = 0, p = base; k < len_; k++, p += inner_) {
          const double v = std::exp(static_cast<double>(x[p]) - m);
          e[k] = v;
          s += v;
        }
        for (int64_t k = 0, p = base; k < len_; k++, p += inner_) y[p] = static_cast<float>(e[k] / s);
      }
    }
  }

 private:
  int64_t outer_, len_, inner_;
};

}  // namespace

Status PrepareSoftmax(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "input", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const int64_t r = static_cast<int64_t>(x->dims.size());
  if (r == 0) return c.Fail("input must have rank >= 1");
  const bool legacy = c.opset < 13;
  int64_t axis_attr, axis;
  EQ_RETURN_IF_ERROR(c.AttrInt("axis", legacy ? 1 : -1, &axis_attr));
  EQ_RETURN_IF_ERROR(c.NormAxis(axis_attr, r, &axis));
  int64_t outer = 1, len = 1, inner = 1;
  for (int64_t i = 0; i < axis; i++) outer *= x->dims[i];
  if (legacy) {
    for (int64_t i = axis; i < r; i++) len *= x->dims[i];
  } else {
    len = x->dims[axis];
    for (int64_t i = axis + 1; i < r; i++) inner *= x->dims[i];
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  c.SetKernel(std::make_shared<SoftmaxKernel>(outer, len, inner), static_cast<uint64_t>(x->numel) * 3);
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
