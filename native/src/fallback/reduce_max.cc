// FP32 ReduceMax: axes and keepdims as ReduceMean (attribute before opset 18, constant input 1
// from 18). As the TypeScript kernel (ops/reduce-max.ts): every value folds into -Infinity in
// memory order with `v > acc || isNaN(v)`, so a NaN wins, the first of ±0 stays and an empty
// reduction gives -Infinity.
#include <limits>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class ReduceMaxKernel : public Kernel {
 public:
  ReduceMaxKernel(Dims in, Dims out_strides, size_t n_out) : in_(std::move(in)), os_(std::move(out_strides)), n_(n_out) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    const size_t r = in_.size();
    const int64_t len = Numel(in_);
    for (size_t i = 0; i < n_; i++) y[i] = -std::numeric_limits<float>::infinity();
    if (n_ == 0 || len == 0) return;
    if (r == 0) {
      y[0] = Fold(y[0], x[0]);
      return;
    }
    const int64_t inner = in_[r - 1], is = os_[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t off = 0;
    for (int64_t p = 0; p < len; p += inner) {
      int64_t o = off;
      for (int64_t i = 0; i < inner; i++, o += is) y[o] = Fold(y[o], x[p + i]);
      for (size_t d = r - 1; d-- > 0;) {
        idx[d]++;
        off += os_[d];
        if (idx[d] < in_[d]) break;
        off -= os_[d] * in_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  static float Fold(float acc, float v) { return v > acc || v != v ? v : acc; }
  Dims in_, os_;  // input dims; per input axis, the stride into the output (0 on reduced axes)
  size_t n_;
};

}  // namespace

Status PrepareReduceMax(PrepCtx& c) {
  return PrepareReduce(c, [](const Dims& in, const Dims& os, size_t n_out) -> std::shared_ptr<Kernel> {
    return std::make_shared<ReduceMaxKernel>(in, os, n_out);
  });
}

}  // namespace fallback
}  // namespace eq
