// FP32 Conv / Gemm / MatMul for layers that stay in float (double accumulation, one rounding,
// like the TypeScript kernels). Conv and Gemm are plain loops; MatMul runs the per-ISA kernel of
// kernels/matmul_f32.h (bit-identical across ISAs).
#include <algorithm>
#include <vector>

#include "fallback/prep_ctx.h"
#include "kernels/matmul_f32.h"
#include "kernels/tap_ranges.h"

namespace eq {
namespace fallback {
namespace {

constexpr uint64_t kMaxWork = uint64_t{1} << 36;

class ConvKernel : public Kernel {
 public:
  ConvKernel(const Window& g, int64_t M, int64_t group, bool has_bias) : g_(g), M_(M), group_(group), bias_(has_bias) {
    rh_ = kernels::ComputeTapRanges(g.OH, g.H, g.kh, g.sh, g.dh, g.pt, g.pb);
    rw_ = kernels::ComputeTapRanges(g.OW, g.W, g.kw, g.sw, g.dw, g.pl, g.pr);
  }
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    const float* w = static_cast<const float*>(ins[1]);
    const float* b = bias_ ? static_cast<const float*>(ins[2]) : nullptr;
    float* y = static_cast<float*>(outs[0]);
    const int64_t Cg = g_.C / group_, Mg = M_ / group_;
    const int64_t hw = g_.H * g_.W, ohw = g_.OH * g_.OW, kk = g_.kh * g_.kw;
    for (int64_t n = 0; n < g_.N; n++) {
      for (int64_t m = 0; m < M_; m++) {
        const int64_t gi = m / Mg;
        const float* xg = x + (n * g_.C + gi * Cg) * hw;
        const float* wm = w + m * Cg * kk;
        float* ym = y + (n * M_ + m) * ohw;
        const double bv = b ? b[m] : 0.0;
        for (int64_t oh = 0; oh < g_.OH; oh++) {
          const int64_t hs = oh * g_.sh - g_.pt;
          for (int64_t ow = 0; ow < g_.OW; ow++) {
            const int64_t ws = ow * g_.sw - g_.pl;
            double acc = 0;
            for (int64_t c = 0; c < Cg; c++) {
              const float* xc = xg + c * hw;
              const float* wc = wm + c * kk;
              for (int64_t ki = rh_.lo[oh]; ki < rh_.hi[oh]; ki++) {
                const float* xr = xc + (hs + ki * g_.dh) * g_.W + ws;
                const float* wr = wc + ki * g_.kw;
                for (int64_t kj = rw_.lo[ow]; kj < rw_.hi[ow]; kj++) acc += static_cast<double>(xr[kj * g_.dw]) * wr[kj];
              }
            }
            ym[oh * g_.OW + ow] = static_cast<float>(acc + bv);
          }
        }
      }
    }
  }

 private:
  Window g_;
  int64_t M_, group_;
  bool bias_;
  kernels::TapRanges rh_, rw_;
};

class GemmKernel : public Kernel {
 public:
  GemmKernel(int64_t M, int64_t N, int64_t K, bool ta, bool tb, double alpha, double beta, int64_t cm, int64_t cn, bool has_c)
      : M_(M), N_(N), K_(K), ta_(ta), tb_(tb), alpha_(alpha), beta_(beta), cm_(cm), cn_(cn), c_(has_c) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* A = static_cast<const float*>(ins[0]);
    const float* B = static_cast<const float*>(ins[1]);
    const float* C = c_ ? static_cast<const float*>(ins[2]) : nullptr;
    float* y = static_cast<float*>(outs[0]);
    for (int64_t m = 0; m < M_; m++) {
      for (int64_t n = 0; n < N_; n++) {
        double acc = 0;
        for (int64_t k = 0; k < K_; k++) {
          const double a = ta_ ? A[k * M_ + m] : A[m * K_ + k];
          const double b = tb_ ? B[n * K_ + k] : B[k * N_ + n];
          acc += a * b;
        }
        double v = alpha_ * acc;
        if (C && beta_ != 0) v += beta_ * static_cast<double>(C[(cm_ == 1 ? 0 : m) * cn_ + (cn_ == 1 ? 0 : n)]);
        y[m * N_ + n] = static_cast<float>(v);
      }
    }
  }

 private:
  int64_t M_, N_, K_;
  bool ta_, tb_;
  double alpha_, beta_;
  int64_t cm_, cn_;
  bool c_;
};

class MatMulKernel : public Kernel {
 public:
  MatMulKernel(int64_t batch, int64_t M, int64_t K, int64_t N, bool b_batched, kernels::MatMulF32Fn fn)
      : batch_(batch), M_(M), K_(K), N_(N), bb_(b_batched), fn_(fn) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* A = static_cast<const float*>(ins[0]);
    const float* B = static_cast<const float*>(ins[1]);
    float* y = static_cast<float*>(outs[0]);
    const size_t M = static_cast<size_t>(M_), K = static_cast<size_t>(K_), N = static_cast<size_t>(N_);
    if (!bb_) {
      // a shared B: the batch is just more rows of A
      fn_(static_cast<size_t>(batch_) * M, K, N, A, B, y);
      return;
    }
    for (int64_t bi = 0; bi < batch_; bi++) fn_(M, K, N, A + bi * M_ * K_, B + bi * K_ * N_, y + bi * M_ * N_);
  }

 private:
  int64_t batch_, M_, K_, N_;
  bool bb_;
  kernels::MatMulF32Fn fn_;
};

bool WorkWithin(std::initializer_list<uint64_t> f, uint64_t* out) {
  uint64_t w = 1;
  for (uint64_t v : f) {
    if (v != 0 && w > kMaxWork / v) return false;
    w *= v;
  }
  *out = w;
  return true;
}

}  // namespace

Status PrepareConv(PrepCtx& c) {
  const TensorInfo *x, *w, *b = nullptr;
  EQ_RETURN_IF_ERROR(c.InputCount(2, 3));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.Req(1, "W", &w));
  if (c.HasInput(2)) EQ_RETURN_IF_ERROR(c.Req(2, "B", &b));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  if (w->dims.size() != x->dims.size()) return c.Fail("weight rank does not match the input rank");
  int64_t group;
  EQ_RETURN_IF_ERROR(c.AttrInt("group", 1, &group));
  const int64_t kernel[2] = {w->dims.size() == 3 ? 1 : (w->dims.size() > 2 ? w->dims[2] : 0), w->dims.empty() ? 0 : w->dims.back()};
  WindowOpts o;
  o.kernel = kernel;
  Window g;
  EQ_RETURN_IF_ERROR(WindowGeom(c, x->dims, o, &g));
  const int64_t M = w->dims[0];
  if (group < 1 || g.C % group != 0) return c.Fail("input channels are not divisible by group");
  if (w->dims[1] != g.C / group) return c.Fail("weight " + DimsStr(w->dims) + " does not match the input channels and group");
  if (M < 1 || M % group != 0) return c.Fail("output channels are not divisible by group");
  if (b && (b->dims.size() != 1 || b->dims[0] != M)) return c.Fail("bias does not match the output channels");
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, WindowOutDims(g, M), DType::kF32));
  uint64_t work;
  if (!WorkWithin({static_cast<uint64_t>(g.N * M * g.OH * g.OW), static_cast<uint64_t>(g.C / group), static_cast<uint64_t>(g.kh * g.kw)}, &work))
    return c.Unsup("the layer needs more than 2^36 multiply-adds");
  c.SetKernel(std::make_shared<ConvKernel>(g, M, group, b != nullptr), work + static_cast<uint64_t>(g.OH + g.OW) * static_cast<uint64_t>(g.kh + g.kw));
  return Status::Ok();
}

Status PrepareGemm(PrepCtx& c) {
  const TensorInfo *a, *b, *cc = nullptr;
  EQ_RETURN_IF_ERROR(c.InputCount(2, 3));
  EQ_RETURN_IF_ERROR(c.Req(0, "A", &a));
  EQ_RETURN_IF_ERROR(c.Req(1, "B", &b));
  if (c.HasInput(2)) EQ_RETURN_IF_ERROR(c.Req(2, "C", &cc));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  if (a->dims.size() != 2 || b->dims.size() != 2) return c.Fail("A and B must be 2-D");
  int64_t ta, tb;
  double alpha, beta;
  EQ_RETURN_IF_ERROR(c.AttrInt("transA", 0, &ta));
  EQ_RETURN_IF_ERROR(c.AttrInt("transB", 0, &tb));
  EQ_RETURN_IF_ERROR(c.AttrFloat("alpha", 1, &alpha));
  EQ_RETURN_IF_ERROR(c.AttrFloat("beta", 1, &beta));
  const int64_t M = ta ? a->dims[1] : a->dims[0], K = ta ? a->dims[0] : a->dims[1];
  const int64_t Kb = tb ? b->dims[1] : b->dims[0], N = tb ? b->dims[0] : b->dims[1];
  if (K != Kb) return c.Fail("inner dimensions differ");
  int64_t cm = 1, cn = 1;
  if (cc) {
    if (cc->dims.size() > 2) return c.Fail("C must have rank <= 2");
    cm = cc->dims.size() == 2 ? cc->dims[0] : 1;
    cn = cc->dims.empty() ? 1 : cc->dims.back();
    if ((cm != 1 && cm != M) || (cn != 1 && cn != N)) return c.Fail("C cannot be broadcast to [M,N]");
    if (cc->numel != cm * cn) return c.Fail("C has the wrong size");
  } else if (c.opset < 11) {
    return c.Fail("input C is required before opset 11");
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, Dims{M, N}, DType::kF32));
  uint64_t work;
  if (!WorkWithin({static_cast<uint64_t>(M), static_cast<uint64_t>(N), static_cast<uint64_t>(std::max<int64_t>(K, 1))}, &work))
    return c.Unsup("the layer needs more than 2^36 multiply-adds");
  c.SetKernel(std::make_shared<GemmKernel>(M, N, K, ta != 0, tb != 0, alpha, beta, cm, cn, cc != nullptr), work);
  return Status::Ok();
}

Status PrepareMatMul(PrepCtx& c) {
  const TensorInfo *a, *b;
  EQ_RETURN_IF_ERROR(c.InputCount(2, 2));
  EQ_RETURN_IF_ERROR(c.Req(0, "A", &a));
  EQ_RETURN_IF_ERROR(c.Req(1, "B", &b));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const size_t ra = a->dims.size(), rb = b->dims.size();
  if (ra < 2 || rb < 2) return c.Unsup("1-D MatMul operands are not supported");
  const int64_t M = a->dims[ra - 2], K = a->dims[ra - 1], Kb = b->dims[rb - 2], N = b->dims[rb - 1];
  if (K != Kb) return c.Fail("inner dimensions differ");
  bool b_batched = rb > 2;
  if (b_batched && (rb != ra || !std::equal(a->dims.begin(), a->dims.end() - 2, b->dims.begin())))
    return c.Unsup("MatMul batch broadcasting other than a shared 2-D B is not supported");
  Dims out(a->dims.begin(), a->dims.end() - 2);
  int64_t batch = 1;
  for (int64_t d : out) batch *= d;
  out.push_back(M);
  out.push_back(N);
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  uint64_t work;
  if (!WorkWithin({static_cast<uint64_t>(batch * M), static_cast<uint64_t>(N), static_cast<uint64_t>(std::max<int64_t>(K, 1))}, &work))
    return c.Unsup("the layer needs more than 2^36 multiply-adds");
  // the fallback has no session ISA: EQ_ISA or the best level here (every variant gives the same bits)
  Isa isa;
  if (!ResolveIsa("", &isa).ok()) isa = Isa::kScalar;
  c.SetKernel(std::make_shared<MatMulKernel>(batch, M, K, N, b_batched, kernels::SelectMatMulF32(isa)), work);
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
