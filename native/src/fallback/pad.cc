// FP32 Pad, modes constant / reflect / edge (and wrap from opset 19), negative pads crop; a
// port of the TypeScript kernel (ops/pad.ts): one output→input index map per axis, built here.
// Pads (and axes) must be constants; constant_value may be a runtime scalar.
#include <cstring>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

using std::to_string;

class PadKernel : public Kernel {
 public:
  PadKernel(Dims out, Dims in_strides, std::vector<std::vector<int64_t>> maps, float value, bool value_input)
      : out_(std::move(out)), xs_(std::move(in_strides)), maps_(std::move(maps)), value_(value), value_input_(value_input) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    const float value = value_input_ && ins[2] ? static_cast<const float*>(ins[2])[0] : value_;
    const size_t r = out_.size();
    const int64_t n = Numel(out_);
    if (n == 0) return;
    if (r == 0) {
      y[0] = x[0];
      return;
    }
    const int64_t inner = out_[r - 1];
    const std::vector<int64_t>& last = maps_[r - 1];
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < n; o += inner) {
      int64_t base = 0;
      bool outside = false;
      for (size_t d = 0; d + 1 < r; d++) {
        const int64_t k = maps_[d][idx[d]];
        if (k < 0) {
          outside = true;
          break;
        }
        base += k * xs_[d];
      }
      if (outside) {
        for (int64_t i = 0; i < inner; i++) y[o + i] = value;
      } else {
        for (int64_t i = 0; i < inner; i++) y[o + i] = last[i] < 0 ? value : x[base + last[i]];
      }
      for (size_t d = r - 1; d-- > 0;) {
        idx[d]++;
        if (idx[d] < out_[d]) break;
        idx[d] = 0;
      }
    }
  }

 private:
  Dims out_, xs_;
  std::vector<std::vector<int64_t>> maps_;  // per axis: output index -> input index, -1 = constant
  float value_;
  bool value_input_;
};

}  // namespace

Status PreparePad(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "data", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const int64_t r = static_cast<int64_t>(x->dims.size());
  Dims pads, axes;
  bool have_axes = false;
  double value = 0;
  bool value_input = false;
  if (c.opset < 11) {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    const char* name = c.opset < 2 ? "paddings" : "pads";
    bool present = false;
    EQ_RETURN_IF_ERROR(c.AttrInts(name, {}, &pads, &present));
    if (!present) return c.Fail(std::string("attribute ") + name + " is required");
    EQ_RETURN_IF_ERROR(c.AttrFloat("value", 0, &value));
  } else {
    EQ_RETURN_IF_ERROR(c.InputCount(2, c.opset >= 18 ? 4 : 3));
    EQ_RETURN_IF_ERROR(c.ConstInts(1, "pads", &pads));
    if (c.HasInput(2)) {
      const TensorInfo* v;
      EQ_RETURN_IF_ERROR(c.Req(2, "constant_value", &v));
      if (v->numel > 1) return c.Fail("constant_value must be a scalar");
      value_input = v->numel == 1;
    }
    if (c.HasInput(3)) {
      EQ_RETURN_IF_ERROR(c.ConstInts(3, "axes", &axes));
      have_axes = true;
    }
  }
  if (!have_axes)
    for (int64_t i = 0; i < r; i++) axes.push_back(i);
  const size_t na = axes.size();
  if (pads.size() != 2 * na) return c.Fail("pads has " + to_string(pads.size()) + " values, expected " + to_string(2 * na));
  Dims full(static_cast<size_t>(2 * r), 0);
  for (size_t i = 0; i < na; i++) {
    int64_t a;
    EQ_RETURN_IF_ERROR(c.NormAxis(axes[i], r, &a));
    full[a] = pads[i];
    full[a + r] = pads[i + na];
  }
  std::string mode;
  EQ_RETURN_IF_ERROR(c.AttrString("mode", "constant", &mode));
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") return c.Fail("unknown mode '" + mode + "'");
  if (mode == "wrap" && c.opset < 19) return c.Unsup("mode wrap needs opset 19");
  constexpr int64_t kMaxPad = int64_t{1} << 40;
  Dims out(static_cast<size_t>(r));
  for (int64_t i = 0; i < r; i++) {
    if (full[i] < -kMaxPad || full[i] > kMaxPad || full[i + r] < -kMaxPad || full[i + r] > kMaxPad) return c.Fail("pads " + DimsStr(pads) + " are too large");
    out[i] = x->dims[i] + full[i] + full[i + r];
    if (out[i] < 0) return c.Fail("pads " + DimsStr(pads) + " crop more than axis " + to_string(i) + " of " + DimsStr(x->dims) + " holds");
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  const int64_t n = Numel(out);
  if (mode != "constant" && n > 0 && x->numel == 0) return c.Fail("mode " + mode + " needs a non-empty input");
  std::vector<std::vector<int64_t>> maps(static_cast<size_t>(r));
  for (int64_t ax = 0; ax < r && n > 0; ax++) {
    const int64_t d = x->dims[ax];
    std::vector<int64_t>& m = maps[ax];
    m.resize(static_cast<size_t>(out[ax]));
    for (int64_t i = 0; i < out[ax]; i++) {
      int64_t k = i - full[ax];
      if (k < 0 || k >= d) {
        if (mode == "constant") k = -1;
        else if (mode == "edge") k = k < 0 ? 0 : d - 1;
        else if (mode == "wrap") k = ((k % d) + d) % d;
        else if (d == 1) k = 0;
        else {
          const int64_t period = 2 * (d - 1);
          k = ((k % period) + period) % period;
          if (k >= d) k = period - k;
        }
      }
      m[static_cast<size_t>(i)] = k;
    }
  }
  Dims xs(static_cast<size_t>(r), 1);
  for (int64_t i = r - 1; i > 0; i--) xs[i - 1] = xs[i] * x->dims[i];
  c.SetKernel(std::make_shared<PadKernel>(out, xs, std::move(maps), static_cast<float>(value), value_input), static_cast<uint64_t>(n));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
