// FP32-fallback Equal (opset 7+), GreaterOrEqual and LessOrEqual (opset 12+): numpy broadcasting
// of two float32 or two int64 inputs, as the TypeScript kernels (ops/equal.ts,
// greater-or-equal.ts, less-or-equal.ts via compare.ts). EQM has no bool dtype: the compiler declares
// the output float32 (ops/float.ts outputDType), so the result is 1.0f / 0.0f (an int64 output
// is accepted too and gets 1 / 0). NaN equals nothing and compares false, -0 equals 0, as in
// JavaScript.
#include <algorithm>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

enum class Cmp { kEq, kGe, kLe };

template <typename T>
bool CompareAt(Cmp k, const void* p, int64_t i, const void* q, int64_t j) {
  const T a = static_cast<const T*>(p)[i], b = static_cast<const T*>(q)[j];
  return k == Cmp::kEq ? a == b : k == Cmp::kGe ? a >= b : a <= b;
}

class EqualKernel : public Kernel {
 public:
  EqualKernel(Cmp k, bool i64_in, bool i64_out, Dims out, Dims sa, Dims sb)
      : k_(k), i64_in_(i64_in), i64_out_(i64_out), out_(std::move(out)), sa_(std::move(sa)), sb_(std::move(sb)) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const size_t r = out_.size();
    const int64_t n = Numel(out_);
    std::vector<int64_t> idx(r, 0);
    int64_t oa = 0, ob = 0;
    for (int64_t o = 0; o < n; o++) {
      const bool e = i64_in_ ? CompareAt<int64_t>(k_, ins[0], oa, ins[1], ob) : CompareAt<float>(k_, ins[0], oa, ins[1], ob);
      if (i64_out_) static_cast<int64_t*>(outs[0])[o] = e ? 1 : 0;
      else static_cast<float*>(outs[0])[o] = e ? 1.f : 0.f;
      for (size_t d = r; d-- > 0;) {
        idx[d]++;
        oa += sa_[d];
        ob += sb_[d];
        if (idx[d] < out_[d]) break;
        oa -= sa_[d] * out_[d];
        ob -= sb_[d] * out_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  Cmp k_;
  bool i64_in_, i64_out_;
  Dims out_, sa_, sb_;  // output dims and the element strides of A / B per output axis (0 = broadcast)
};

Dims StridesFor(const Dims& dims, size_t rank) {
  Dims s(rank, 0);
  int64_t stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[rank - dims.size() + i] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
  return s;
}

}  // namespace

Status PrepareEqual(PrepCtx& c) {  // Equal GreaterOrEqual LessOrEqual
  const std::string& t = c.fn.op_type;
  const Cmp k = t == "GreaterOrEqual" ? Cmp::kGe : t == "LessOrEqual" ? Cmp::kLe : Cmp::kEq;
  if (k == Cmp::kEq && c.opset < 7) return c.Unsup("Equal before opset 7 (legacy broadcast attributes) is not supported");
  if (k != Cmp::kEq && c.opset < 12) return c.Unsup(t + " before opset 12 does not exist");
  EQ_RETURN_IF_ERROR(c.InputCount(2, 2));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const TensorInfo *a, *b;
  EQ_RETURN_IF_ERROR(c.Req(0, "A", &a, true));
  EQ_RETURN_IF_ERROR(c.Req(1, "B", &b, true));
  if (a->dtype == DType::kI8) return c.Unsup("input 0 (A) is int8, expected float32 or int64");
  if (a->dtype != b->dtype) return c.Unsup(std::string("input types differ: ") + DTypeName(a->dtype) + " and " + DTypeName(b->dtype));
  const size_t r = std::max(a->dims.size(), b->dims.size());
  Dims out(r, 1);
  for (const TensorInfo* t : {a, b}) {
    const size_t off = r - t->dims.size();
    for (size_t i = 0; i < t->dims.size(); i++) {
      const int64_t d = t->dims[i], o = out[off + i];
      if (d != o && d != 1 && o != 1) return c.Fail("input shapes " + DimsStr(a->dims) + " and " + DimsStr(b->dims) + " cannot be broadcast together");
      if (o == 1) out[off + i] = d;
    }
  }
  const TensorInfo* y = c.Output(0);
  const DType ydt = y && y->dtype == DType::kI64 ? DType::kI64 : DType::kF32;
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, ydt));
  c.SetKernel(std::make_shared<EqualKernel>(k, a->dtype == DType::kI64, ydt == DType::kI64, out, StridesFor(a->dims, r), StridesFor(b->dims, r)),
              static_cast<uint64_t>(Numel(out)));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
