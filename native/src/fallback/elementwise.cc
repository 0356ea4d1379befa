// FP32 element-wise ops: Exp, Relu, Sigmoid, Sqrt, Clip, and Add/Sub/Mul/Div/Pow with numpy
// broadcasting (opset >= 7) or the legacy broadcast/axis attributes (opset < 7); PRelu with its
// slope broadcast to X (before opset 7 a 1-D slope of size C is per channel).
#include <cmath>
#include <limits>

#include "fallback/prep_ctx.h"
#include "kernels/f32_kernels.h"

namespace eq {
namespace fallback {
namespace {

constexpr double kF32Max = 3.4028234663852886e38;

enum class UnaryKind { kExp, kRelu, kSigmoid, kClip, kSqrt };

class UnaryKernel : public Kernel {
 public:
  UnaryKernel(UnaryKind k, size_t n, double lo, double hi, bool lo_input, bool hi_input)
      : kind_(k), n_(n), lo_(lo), hi_(hi), lo_input_(lo_input), hi_input_(hi_input) {}
  void RunIsa(const void* const* ins, void* const* outs, Isa isa) const override {
    if (kind_ == UnaryKind::kSigmoid) kernels::SelectSigmoidF32(isa)(static_cast<const float*>(ins[0]), n_, static_cast<float*>(outs[0]));
    else Run(ins, outs);
  }
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    switch (kind_) {
      case UnaryKind::kExp:
        for (size_t i = 0; i < n_; i++) y[i] = static_cast<float>(std::exp(static_cast<double>(x[i])));
        break;
      case UnaryKind::kSqrt:  // correctly rounded, so equal to Math.sqrt rounded to float32
        for (size_t i = 0; i < n_; i++) y[i] = static_cast<float>(std::sqrt(static_cast<double>(x[i])));
        break;
      case UnaryKind::kRelu:
        for (size_t i = 0; i < n_; i++) {
          const float v = x[i];
          y[i] = v > 0 ? v : (v == v ? 0.0f : v);
        }
        break;
      case UnaryKind::kSigmoid:
        kernels::SigmoidF32(x, n_, y);
        break;
      case UnaryKind::kClip: {
        const double lo = lo_input_ && ins[1] ? static_cast<const float*>(ins[1])[0] : lo_;
        const double hi = hi_input_ && ins[2] ? static_cast<const float*>(ins[2])[0] : hi_;
        for (size_t i = 0; i < n_; i++) {
          const double v = x[i];
          const double a = v < lo ? lo : v;
          y[i] = static_cast<float>(a > hi ? hi : a);
        }
        break;
      }
    }
  }

 private:
  UnaryKind kind_;
  size_t n_;
  double lo_, hi_;
  bool lo_input_, hi_input_;
};

enum class BinKind { kAdd, kSub, kMul, kDiv, kPRelu, kPow };

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(BinKind k, Dims out, Dims sa, Dims sb) : kind_(k), out_(std::move(out)), sa_(std::move(sa)), sb_(std::move(sb)) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* a = static_cast<const float*>(ins[0]);
    const float* b = static_cast<const float*>(ins[1]);
    float* y = static_cast<float*>(outs[0]);
    const size_t r = out_.size();
    const int64_t n = Numel(out_);
    if (r == 0) {
      y[0] = Apply(a[0], b[0]);
      return;
    }
    const int64_t inner = out_[r - 1];
    const int64_t ia = sa_[r - 1], ib = sb_[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t ao = 0, bo = 0;
    for (int64_t o = 0; o < n; o += inner) {
      Row(a + ao, ia, b + bo, ib, y + o, inner);
      for (size_t d = r - 1; d-- > 0;) {
        idx[d]++;
        ao += sa_[d];
        bo += sb_[d];
        if (idx[d] < out_[d]) break;
        ao -= sa_[d] * out_[d];
        bo -= sb_[d] * out_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  // one innermost row; the common cases (both operands contiguous, or b one value along the
  // row) as plain loops the compiler vectorises, each element still one float operation
  void Row(const float* a, int64_t ia, const float* b, int64_t ib, float* y, int64_t n) const {
    if (ia == 1 && (ib == 1 || ib == 0)) {
      const float z = b[0];
      switch (kind_) {
        case BinKind::kAdd:
          if (ib) for (int64_t i = 0; i < n; i++) y[i] = a[i] + b[i];
          else for (int64_t i = 0; i < n; i++) y[i] = a[i] + z;
          return;
        case BinKind::kSub:
          if (ib) for (int64_t i = 0; i < n; i++) y[i] = a[i] - b[i];
          else for (int64_t i = 0; i < n; i++) y[i] = a[i] - z;
          return;
        case BinKind::kMul:
          if (ib) for (int64_t i = 0; i < n; i++) y[i] = a[i] * b[i];
          else for (int64_t i = 0; i < n; i++) y[i] = a[i] * z;
          return;
        case BinKind::kPow:
          // x² (LayerNorm variance): a float squared is exact in double, as pow(x, 2) returns it
          if (ib == 0 && z == 2.0f) {
            for (int64_t i = 0; i < n; i++) y[i] = static_cast<float>(static_cast<double>(a[i]) * static_cast<double>(a[i]));
            return;
          }
          break;
        default:
          break;
      }
    }
    for (int64_t i = 0; i < n; i++) y[i] = Apply(a[i * ia], b[i * ib]);
  }

  float Apply(float x, float z) const {
    switch (kind_) {
      case BinKind::kAdd: return x + z;
      case BinKind::kSub: return x - z;
      case BinKind::kMul: return x * z;
      case BinKind::kDiv: return x / z;
      case BinKind::kPRelu: return x < 0 ? x * z : x;
      case BinKind::kPow: return static_cast<float>(std::pow(static_cast<double>(x), static_cast<double>(z)));
    }
    return 0;
  }
  BinKind kind_;
  Dims out_, sa_, sb_;  // output dims and the element strides of a/b per output axis (0 = broadcast)
};

// strides of `dims` read along the axes of `out` (right-aligned), 0 where broadcast
Dims BroadcastStrides(const Dims& dims, const Dims& out) {
  Dims s(out.size(), 0);
  int64_t stride = 1;
  for (size_t i = 0; i < dims.size(); i++) {
    const size_t d = dims.size() - 1 - i;
    const size_t o = out.size() - 1 - i;
    s[o] = dims[d] == 1 ? 0 : stride;
    stride *= dims[d];
  }
  return s;
}

}  // namespace

Status PrepareUnary(PrepCtx& c) {
  const std::string& t = c.fn.op_type;
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
  UnaryKind k = t == "Exp"       ? UnaryKind::kExp
                : t == "Relu"    ? UnaryKind::kRelu
                : t == "Sigmoid" ? UnaryKind::kSigmoid
                : t == "Sqrt"    ? UnaryKind::kSqrt
                                 : UnaryKind::kClip;
  double lo = -kF32Max, hi = kF32Max;
  bool lo_in = false, hi_in = false;
  if (k == UnaryKind::kClip) {
    if (c.opset < 11) {
      EQ_RETURN_IF_ERROR(c.AttrFloat("min", -kF32Max, &lo));
      EQ_RETURN_IF_ERROR(c.AttrFloat("max", kF32Max, &hi));
    } else {
      for (size_t i = 1; i <= 2; i++) {
        if (!c.HasInput(i)) continue;
        const TensorInfo* b;
        EQ_RETURN_IF_ERROR(c.Req(i, i == 1 ? "min" : "max", &b));
        if (b->numel != 1) return c.Fail(std::string("input ") + (i == 1 ? "min" : "max") + " must be a scalar");
        (i == 1 ? lo_in : hi_in) = true;
      }
    }
    EQ_RETURN_IF_ERROR(c.InputCount(1, 3));
  } else {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  }
  c.SetKernel(std::make_shared<UnaryKernel>(k, static_cast<size_t>(x->numel), lo, hi, lo_in, hi_in), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

Status PrepareBinary(PrepCtx& c) {
  const std::string& t = c.fn.op_type;
  const TensorInfo *a, *b;
  EQ_RETURN_IF_ERROR(c.InputCount(2, 2));
  EQ_RETURN_IF_ERROR(c.Req(0, "A", &a));
  EQ_RETURN_IF_ERROR(c.Req(1, "B", &b));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  Dims bd = b->dims;
  const bool prelu = t == "PRelu";
  if (prelu) {
    const Dims& a_d = a->dims;
    if (c.opset < 7 && bd.size() == 1 && a_d.size() > 2 && bd[0] == a_d[1] && bd[0] != 1) {
      bd.assign(a_d.size() - 1, 1);
      bd[0] = b->dims[0];
    }
  } else if (c.opset < 7) {
    int64_t bc;
    EQ_RETURN_IF_ERROR(c.AttrInt("broadcast", 0, &bc));
    if (bc == 0) {
      if (a->dims != b->dims) return c.Fail("shapes " + DimsStr(a->dims) + " and " + DimsStr(b->dims) + " differ and broadcast is not enabled");
    } else {
      const int64_t ra = static_cast<int64_t>(a->dims.size()), rb = static_cast<int64_t>(b->dims.size());
      int64_t axis;
      EQ_RETURN_IF_ERROR(c.AttrInt("axis", ra - rb, &axis));
      if (axis < 0) axis += ra;
      if (axis < 0 || axis + rb > ra) return c.Fail("legacy broadcast axis is out of range");
      bd.assign(static_cast<size_t>(ra), 1);
      for (int64_t i = 0; i < rb; i++) {
        if (b->dims[i] != a->dims[axis + i] && b->dims[i] != 1) return c.Fail("legacy broadcast shapes do not match");
        bd[axis + i] = b->dims[i];
      }
    }
  }
  const Dims& ad = a->dims;
  const size_t r = std::max(ad.size(), bd.size());
  Dims out(r, 1);
  for (size_t i = 0; i < r; i++) {
    const int64_t x = i < r - ad.size() ? 1 : ad[i - (r - ad.size())];
    const int64_t y = i < r - bd.size() ? 1 : bd[i - (r - bd.size())];
    if (x != y && x != 1 && y != 1) return c.Fail("shapes " + DimsStr(ad) + " and " + DimsStr(b->dims) + " cannot be broadcast");
    out[i] = x == 1 ? y : x;
  }
  if (prelu && out != ad) return c.Fail("slope " + DimsStr(b->dims) + " is not unidirectionally broadcastable to X " + DimsStr(ad));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  const BinKind k = t == "Add" ? BinKind::kAdd : t == "Sub" ? BinKind::kSub : t == "Mul" ? BinKind::kMul : t == "Div" ? BinKind::kDiv : t == "Pow" ? BinKind::kPow : BinKind::kPRelu;
  c.SetKernel(std::make_shared<BinaryKernel>(k, out, BroadcastStrides(ad, out), BroadcastStrides(bd, out)), static_cast<uint64_t>(Numel(out)));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
