// Helpers shared by the native EQ search kernels: quantization with the reference's rounding,
// gathering the im2col values of sampled output positions, the cosine from its sums.
#pragma once

#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <cstdint>

#include "format/model.h"

namespace eq {
namespace calib {

// clip(rne(f32(x*s)), -q, q). Clipping before rounding gives the same integer (the bounds are
// integers and rounding is monotone); adding and subtracting 1.5*2^23 rounds a float with
// |p| <= 2^22 to the nearest integer, ties to even, in the default rounding mode.
inline int32_t QuantizeValue(float x, float s, float q) {
  float p = x * s;
  p = p > q ? q : p;
  p = p < -q ? -q : p;
  const float r = (p + 12582912.0f) - 12582912.0f;
  return static_cast<int32_t>(r);
}

// The unsigned grid (eq.ts inputGrid(true)): u = clip(rne(f32(x*s)), 0, 2q) with s the doubled
// scale, returned as the stored v = u - q in [-q, q], so the int8 kernels' bounds still hold;
// callers add q * sum(w) over all K taps to each int32 sum. Padding gathered as 0.0f gives
// u = 0, v = -q: the real 0, as the reference's im2col of u.
inline int32_t QuantizeValueU(float x, float s, float q) {
  float p = x * s;
  p = p > 2 * q ? 2 * q : p;
  p = p < 0 ? 0 : p;
  const float r = (p + 12582912.0f) - 12582912.0f;
  return static_cast<int32_t>(r) - static_cast<int32_t>(q);
}

// The scale applied to the integer input: the table's scale S, or 2*S on the unsigned grid
// (exact in float32, as eq.ts 2 * f32(S)).
inline float InputScale(float s, bool unsigned_input) { return unsigned_input ? 2.0f * s : s; }

// q * sum_k w[k*stride] (the unsigned grid's correction of one output channel's int32 sums)
inline int32_t OffsetCorrection(const int8_t* w, size_t K, size_t stride, int32_t q) {
  int32_t s = 0;
  for (size_t k = 0; k < K; k++) s += w[k * stride];
  return q * s;
}

// 64-byte aligned scratch: the SIMD GEMM kernels may use aligned loads on packed operands
struct Aligned {
  uint8_t* p = nullptr;
  explicit Aligned(size_t n) {
    void* q = nullptr;
    if (posix_memalign(&q, 64, ((n + 63) & ~static_cast<size_t>(63)) + 64) == 0) p = static_cast<uint8_t*>(q);
  }
  ~Aligned() { std::free(p); }
  Aligned(const Aligned&) = delete;
  Aligned& operator=(const Aligned&) = delete;
  Aligned(Aligned&& o) noexcept : p(o.p) { o.p = nullptr; }
};

// cos from <O,Ô>, |O|^2, |Ô|^2 (eq.ts cosFromSums): both zero → 1, one zero → 0.
inline double CosFromSums(double ab, double aa, double bb) {
  if (aa == 0 && bb == 0) return 1;
  if (aa == 0 || bb == 0) return 0;
  return ab / std::sqrt(aa * bb);
}

// FP32 values of the im2col matrix of one image and one conv group at the given output
// positions: out[k*np + j] (k-major, as linear-geom.ts im2col); padding reads 0. For a Gemm
// the input is [P][K].
inline void GatherCols(const LinearGeom& g, const float* x, uint32_t group, const int32_t* positions, size_t np, float* out) {
  if (!g.conv) {
    for (size_t j = 0; j < np; j++) {
      const size_t m = positions ? static_cast<size_t>(positions[j]) : j;
      for (size_t k = 0; k < g.K; k++) out[k * np + j] = x[m * g.K + k];
    }
    return;
  }
  const uint32_t cpg = g.cin / g.group;
  const size_t hw = static_cast<size_t>(g.inH) * g.inW;
  size_t k = 0;
  for (uint32_t ci = 0; ci < cpg; ci++) {
    const float* base = x + (static_cast<size_t>(group) * cpg + ci) * hw;
    for (uint32_t ky = 0; ky < g.kh; ky++) {
      for (uint32_t kx = 0; kx < g.kw; kx++, k++) {
        float* row = out + k * np;
        const int64_t offY = static_cast<int64_t>(ky) * g.dh - g.padT;
        const int64_t offX = static_cast<int64_t>(kx) * g.dw - g.padL;
        for (size_t j = 0; j < np; j++) {
          const int64_t p = positions ? positions[j] : static_cast<int64_t>(j);
          const int64_t oy = p / g.outW, ox = p - oy * g.outW;
          const int64_t iy = oy * g.sh + offY, ix = ox * g.sw + offX;
          row[j] = (iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW) ? base[iy * g.inW + ix] : 0.0f;
        }
      }
    }
  }
}

}  // namespace calib
}  // namespace eq
