// FP32 variadic Max / Min (opset 6+) with numpy broadcasting, folded left to right with the
// TypeScript kernel's comparison (ops/minmax.ts): a NaN operand propagates.
#include <algorithm>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class MinMaxKernel : public Kernel {
 public:
  MinMaxKernel(bool is_max, Dims out, std::vector<Dims> strides) : max_(is_max), out_(std::move(out)), st_(std::move(strides)) {}
  void Run(const void* const* ins, void* const* outs) const override {
    float* y = static_cast<float*>(outs[0]);
    const size_t k = st_.size(), r = out_.size();
    const int64_t n = Numel(out_);
    std::vector<int64_t> idx(r, 0), off(k, 0);
    for (int64_t o = 0; o < n; o++) {
      float a = static_cast<const float*>(ins[0])[off[0]];
      for (size_t j = 1; j < k; j++) {
        const float b = static_cast<const float*>(ins[j])[off[j]];
        a = max_ ? (a > b || a != a ? a : b) : (a < b || a != a ? a : b);
      }
      y[o] = a;
      for (size_t d = r; d-- > 0;) {
        idx[d]++;
        for (size_t j = 0; j < k; j++) off[j] += st_[j][d];
        if (idx[d] < out_[d]) break;
        for (size_t j = 0; j < k; j++) off[j] -= st_[j][d] * out_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  bool max_;
  Dims out_;
  std::vector<Dims> st_;  // per input: element stride along each output axis (0 = broadcast)
};

}  // namespace

Status PrepareMinMax(PrepCtx& c) {
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const size_t n = c.fn.inputs.size();
  if (n == 0) return c.Fail("needs at least one input");
  std::vector<const TensorInfo*> xs(n);
  size_t r = 0;
  for (size_t i = 0; i < n; i++) {
    EQ_RETURN_IF_ERROR(c.Req(i, "data", &xs[i]));
    r = std::max(r, xs[i]->dims.size());
  }
  Dims out(r, 1);
  for (const TensorInfo* t : xs) {
    const size_t off = r - t->dims.size();
    for (size_t i = 0; i < t->dims.size(); i++) {
      const int64_t d = t->dims[i], o = out[off + i];
      if (d != o && d != 1 && o != 1) return c.Fail("input shapes cannot be broadcast together (" + DimsStr(t->dims) + ")");
      if (o == 1) out[off + i] = d;
    }
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  std::vector<Dims> st;
  for (const TensorInfo* t : xs) {
    Dims s(r, 0);
    int64_t stride = 1;
    for (size_t i = t->dims.size(); i-- > 0;) {
      s[r - t->dims.size() + i] = t->dims[i] == 1 ? 0 : stride;
      stride *= t->dims[i];
    }
    st.push_back(std::move(s));
  }
  const int64_t total = Numel(out);
  c.SetKernel(std::make_shared<MinMaxKernel>(c.fn.op_type == "Max", out, std::move(st)), static_cast<uint64_t>(total) * n);
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
