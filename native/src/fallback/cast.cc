// FP32-fallback Cast (opset 1+; `to` is a type name before opset 6), as the TypeScript kernel
// (ops/cast.ts). EQM stores FLOAT / FLOAT16 / DOUBLE as float32 and INT64 / INT32 / UINT8 /
// BOOL as int64 (ops/float.ts outputDType), so the output dtype comes from the tensor table and
// the values follow the TypeScript typed arrays: float targets round to float32; BOOL is
// x != 0 (NaN is true); integer targets truncate toward zero (NaN is 0), INT32 and UINT8 wrap
// modulo 2^32 / 2^8 like Int32Array / Uint8Array (±Infinity is 0 there); INT64 saturates.
#include <cmath>
#include <limits>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

enum class Target { kFloat, kInt64, kInt32, kUint8, kBool };

double Wrap(double v, double m, double half) {
  if (!std::isfinite(v)) return 0;
  double r = std::fmod(v, m);
  if (r < 0) r += m;
  return half > 0 && r >= half ? r - m : r;
}

int64_t ToInt64(double t) {
  if (t >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (t <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(t);
}

class CastKernel : public Kernel {
 public:
  CastKernel(size_t n, bool i64_in, Target to) : n_(n), i64_in_(i64_in), to_(to) {}
  void Run(const void* const* ins, void* const* outs) const override {
    if (to_ == Target::kFloat) {
      float* y = static_cast<float*>(outs[0]);
      if (i64_in_) {
        const int64_t* x = static_cast<const int64_t*>(ins[0]);
        for (size_t i = 0; i < n_; i++) y[i] = static_cast<float>(static_cast<double>(x[i]));
      } else {
        const float* x = static_cast<const float*>(ins[0]);
        for (size_t i = 0; i < n_; i++) y[i] = x[i];
      }
      return;
    }
    int64_t* y = static_cast<int64_t*>(outs[0]);
    if (i64_in_) {
      const int64_t* x = static_cast<const int64_t*>(ins[0]);
      for (size_t i = 0; i < n_; i++) {
        const int64_t v = x[i];
        switch (to_) {
          case Target::kBool: y[i] = v != 0 ? 1 : 0; break;
          case Target::kInt32: y[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); break;
          case Target::kUint8: y[i] = static_cast<uint8_t>(static_cast<uint64_t>(v)); break;
          default: y[i] = v; break;
        }
      }
      return;
    }
    const float* x = static_cast<const float*>(ins[0]);
    for (size_t i = 0; i < n_; i++) {
      const double v = x[i];
      if (to_ == Target::kBool) {
        y[i] = v != 0 ? 1 : 0;  // NaN != 0
        continue;
      }
      const double t = v == v ? std::trunc(v) : 0.0;
      if (to_ == Target::kInt32) y[i] = static_cast<int64_t>(Wrap(t, 4294967296.0, 2147483648.0));
      else if (to_ == Target::kUint8) y[i] = static_cast<int64_t>(Wrap(t, 256.0, 0));
      else y[i] = ToInt64(t);
    }
  }

 private:
  size_t n_;
  bool i64_in_;
  Target to_;
};

// ONNX TensorProto.DataType codes and (before opset 6) names
bool TargetOf(const Attr& a, Target* t) {
  if (a.type == Attr::kNumber) {
    const double v = a.number;
    if (v == 1 || v == 10 || v == 11) *t = Target::kFloat;
    else if (v == 7) *t = Target::kInt64;
    else if (v == 6) *t = Target::kInt32;
    else if (v == 2) *t = Target::kUint8;
    else if (v == 9) *t = Target::kBool;
    else return false;
    return true;
  }
  if (a.type != Attr::kString) return false;
  std::string s = a.str;
  for (char& ch : s) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
  if (s == "FLOAT" || s == "FLOAT16" || s == "DOUBLE") *t = Target::kFloat;
  else if (s == "INT64") *t = Target::kInt64;
  else if (s == "INT32") *t = Target::kInt32;
  else if (s == "UINT8") *t = Target::kUint8;
  else if (s == "BOOL") *t = Target::kBool;
  else return false;
  return true;
}

}  // namespace

Status PrepareCast(PrepCtx& c) {
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "input", &x, true));
  if (x->dtype == DType::kI8) return c.Unsup("input 0 (input) is int8, expected float32 or int64");
  const Attr* to = c.fn.FindAttr("to");
  if (!to) return c.Fail("attribute to is required");
  Target t;
  if (!TargetOf(*to, &t)) return c.Unsup("cast to this type is not supported (FLOAT, FLOAT16, DOUBLE, INT64, INT32, UINT8 and BOOL are)");
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, t == Target::kFloat ? DType::kF32 : DType::kI64));
  c.SetKernel(std::make_shared<CastKernel>(static_cast<size_t>(x->numel), x->dtype == DType::kI64, t), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
