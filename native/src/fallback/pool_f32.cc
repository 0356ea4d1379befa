// FP32 pooling: MaxPool / AveragePool (1-D and 2-D, pads, auto_pad, ceil_mode, dilations,
// count_include_pad) and GlobalAveragePool / GlobalMaxPool, as ops/max-pool.ts,
// ops/average-pool.ts and ops/global-pool.ts (sums in double, one rounding).
#include <algorithm>
#include <cmath>
#include <limits>

#include "fallback/prep_ctx.h"
#include "kernels/tap_ranges.h"

namespace eq {
namespace fallback {
namespace {

constexpr double kLowest = -3.4028234663852886e38;

class PoolKernel : public Kernel {
 public:
  PoolKernel(const Window& g, bool is_max, bool include_pad) : g_(g), max_(is_max), include_pad_(include_pad) {
    rh_ = kernels::ComputeTapRanges(g.OH, g.H, g.kh, g.sh, g.dh, g.pt, g.pb);
    rw_ = kernels::ComputeTapRanges(g.OW, g.W, g.kw, g.sw, g.dw, g.pl, g.pr);
  }
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    const int64_t planes = g_.N * g_.C;
    for (int64_t p = 0; p < planes; p++) {
      const float* xp = x + p * g_.H * g_.W;
      float* yp = y + p * g_.OH * g_.OW;
      for (int64_t oh = 0; oh < g_.OH; oh++) {
        const int64_t hs = oh * g_.sh - g_.pt;
        for (int64_t ow = 0; ow < g_.OW; ow++) {
          const int64_t ws = ow * g_.sw - g_.pl;
          double acc = max_ ? kLowest : 0.0;
          for (int64_t ki = rh_.lo[oh]; ki < rh_.hi[oh]; ki++) {
            const float* row = xp + (hs + ki * g_.dh) * g_.W + ws;
            for (int64_t kj = rw_.lo[ow]; kj < rw_.hi[ow]; kj++) {
              const double v = row[kj * g_.dw];
              if (max_) {
                if (v > acc) acc = v;
              } else {
                acc += v;
              }
            }
          }
          if (max_) {
            yp[oh * g_.OW + ow] = static_cast<float>(acc);
          } else {
            const int64_t cnt = include_pad_ ? static_cast<int64_t>(rh_.padded[oh]) * rw_.padded[ow]
                                             : static_cast<int64_t>(rh_.hi[oh] - rh_.lo[oh]) * (rw_.hi[ow] - rw_.lo[ow]);
            yp[oh * g_.OW + ow] = cnt > 0 ? static_cast<float>(acc / static_cast<double>(cnt)) : std::numeric_limits<float>::quiet_NaN();
          }
        }
      }
    }
  }

 private:
  Window g_;
  bool max_, include_pad_;
  kernels::TapRanges rh_, rw_;
};

class GlobalPoolKernel : public Kernel {
 public:
  GlobalPoolKernel(int64_t planes, int64_t size, bool is_max) : planes_(planes), size_(size), max_(is_max) {}
  void Run(const void* const* ins, void* const* outs) const override {
    Planes(static_cast<const float*>(ins[0]), static_cast<float*>(outs[0]), 0, planes_);
  }
  // Planes split over the threads (a classifier head's 1000 x 13 x 13 average pool took 0.08 ms
  // on one core while the other waited); each plane is summed exactly as on one thread.
  void RunPool(const void* const* ins, void* const* outs, Isa /*isa*/, ThreadPool& pool) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    constexpr int64_t kTask = 64;  // planes per task, a multiple of Planes' block
    const size_t tasks = static_cast<size_t>((planes_ + kTask - 1) / kTask);
    // a double add per element is a dependent-latency chain, several times a MAC's cost in
    // the pool's work units; small pools stay on the caller as before
    const uint64_t work = static_cast<uint64_t>(planes_) * static_cast<uint64_t>(size_) * 8;
    pool.ParallelFor(tasks, [&](size_t t, int) { Planes(x, y, static_cast<int64_t>(t) * kTask, std::min(planes_, static_cast<int64_t>(t + 1) * kTask)); }, work);
  }

 private:
  void Planes(const float* x, float* y, int64_t p0, int64_t p1) const {
    if (!max_) {
      // kBlock planes at a time: independent add chains instead of one latency-bound chain;
      // each plane still sums in index order, so the result is unchanged
      constexpr int64_t kBlock = 8;
      for (; p0 + kBlock <= p1; p0 += kBlock) {
        const float* xp = x + p0 * size_;
        double s[kBlock] = {};
        for (int64_t i = 0; i < size_; i++)
          for (int64_t k = 0; k < kBlock; k++) s[k] += xp[k * size_ + i];
        for (int64_t k = 0; k < kBlock; k++) y[p0 + k] = static_cast<float>(s[k] / static_cast<double>(size_));
      }
    }
    for (int64_t p = p0; p < p1; p++) {
      const float* xp = x + p * size_;
      if (!max_) {
        double s = 0;
        for (int64_t i = 0; i < size_; i++) s += xp[i];
        y[p] = static_cast<float>(s / static_cast<double>(size_));
      } else {
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t i = 0; i < size_; i++) {
          const double v = xp[i];
          if (v > m || v != v) m = v;
          if (m != m) break;
        }
        y[p] = static_cast<float>(m);
      }
    }
  }

 private:
  int64_t planes_, size_;
  bool max_;
};

}  // namespace

Status PreparePool(PrepCtx& c) {
  const bool is_max = c.fn.op_type == "MaxPool";
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  if (is_max && c.Output(1)) return c.Unsup("the Indices output of MaxPool is not supported");
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  int64_t ceil = 0, include_pad = 0;
  EQ_RETURN_IF_ERROR(c.AttrInt("ceil_mode", 0, &ceil));
  if (!is_max) EQ_RETURN_IF_ERROR(c.AttrInt("count_include_pad", 0, &include_pad));
  WindowOpts o;
  o.ceil_mode = ceil != 0;
  o.allow_dilations = is_max ? c.opset >= 10 : c.opset >= 19;
  Window g;
  EQ_RETURN_IF_ERROR(WindowGeom(c, x->dims, o, &g));
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, WindowOutDims(g, g.C), DType::kF32));
  const uint64_t taps = static_cast<uint64_t>(std::min(g.kh, g.H)) * static_cast<uint64_t>(std::min(g.kw, g.W));
  const uint64_t outs = static_cast<uint64_t>(g.N * g.C * g.OH * g.OW);
  if (taps > (uint64_t{1} << 36) / outs) return c.Unsup("the pool needs more than 2^36 taps");
  c.SetKernel(std::make_shared<PoolKernel>(g, is_max, include_pad != 0), outs * taps + static_cast<uint64_t>(g.OH + g.OW) * static_cast<uint64_t>(g.kh + g.kw));
  return Status::Ok();
}

Status PrepareGlobalPool(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  if (x->dims.size() < 3) return c.Fail("input must have rank >= 3 (N,C,spatial...), got " + DimsStr(x->dims));
  Dims out(x->dims.size(), 1);
  out[0] = x->dims[0];
  out[1] = x->dims[1];
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  const int64_t planes = out[0] * out[1];
  c.SetKernel(std::make_shared<GlobalPoolKernel>(planes, x->numel / planes, c.fn.op_type == "GlobalMaxPool"), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
