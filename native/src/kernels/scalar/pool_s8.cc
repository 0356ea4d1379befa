// int8 max / average pooling over NCHW, as int-pool.ts: per output position the taps that fall
// inside the input form [lo, hi) along each axis; count_include_pad divides by the taps inside
// input + explicit padding (never the ceil_mode overhang).
//   max: the largest tap, -128 for a window without taps
//   avg: q = clip(rne(float(sum) * float(S_out / (S_in * count))) - zo, -qmax, qmax), the sum over
//        (q + zi) of the taps inside the input (zero offsets, kernels.h; padding is the real 0)
#include <vector>

#include "kernels/kernels.h"
#include "kernels/tap_ranges.h"
#include "kernels/scalar/rounding.h"
#include "kernels/scalar/maxpool_impl.h"

namespace eq {
namespace kernels {
namespace {

template <bool kMax, typename Emit>
void Pool(const int8_t* x, const PoolGeom& g, Emit emit) {
  const TapRanges rh = ComputeTapRanges(g.OH, g.H, g.kh, g.sh, g.dh, g.pt, g.pb);
  const TapRanges rw = ComputeTapRanges(g.OW, g.W, g.kw, g.sw, g.dw, g.pl, g.pr);
  const size_t planes = static_cast<size_t>(g.N) * g.C;
  const size_t hw = static_cast<size_t>(g.H) * g.W;
  for (size_t nc = 0; nc < planes; nc++) {
    const int8_t* base = x + nc * hw;
    for (uint32_t oy = 0; oy < g.OH; oy++) {
      const int64_t y0 = static_cast<int64_t>(oy) * g.sh - g.pt;
      for (uint32_t ox = 0; ox < g.OW; ox++) {
        const int64_t x0 = static_cast<int64_t>(ox) * g.sw - g.pl;
        int32_t acc = kMax ? -128 : 0;
        for (uint32_t ky = rh.lo[oy]; ky < rh.hi[oy]; ky++) {
          const int8_t* row = base + static_cast<size_t>(y0 + static_cast<int64_t>(ky) * g.dh) * g.W;
          for (uint32_t kx = rw.lo[ox]; kx < rw.hi[ox]; kx++) {
            const int32_t v = row[x0 + static_cast<int64_t>(kx) * g.dw];
            if (kMax) acc = v > acc ? v : acc;
            else acc += v;
          }
        }
        const uint64_t inside = static_cast<uint64_t>(rh.hi[oy] - rh.lo[oy]) * (rw.hi[ox] - rw.lo[ox]);
        const uint64_t count = g.count_include_pad ? static_cast<uint64_t>(rh.padded[oy]) * rw.padded[ox] : inside;
        emit((nc * g.OH + oy) * g.OW + ox, acc, count, inside);
      }
    }
  }
}

}  // namespace

void MaxPoolS8(const int8_t* x, const PoolGeom& g, int8_t* y) {
  MaxPoolS8Planes(x, g, 0, static_cast<size_t>(g.N) * g.C, y);
}

void MaxPoolS8Planes(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y) { MaxPoolPlanesImpl(x, g, plane0, plane1, y); }

namespace {
// multiplier per divisor, computed as the reference does: f32(S_out / (S_in * count)) in double
float AvgMult(float in_scale, float out_scale, uint64_t count) {
  return static_cast<float>(static_cast<double>(out_scale) / (static_cast<double>(in_scale) * static_cast<double>(count)));
}
}  // namespace

bool IsGlobalPool(const PoolGeom& g) {
  return g.OH == 1 && g.OW == 1 && g.kh == g.H && g.kw == g.W && g.dh == 1 && g.dw == 1 && g.pt == 0 && g.pl == 0 && g.pb == 0 && g.pr == 0 && g.H > 0 &&
         g.W > 0;
}

int64_t SumS8(const int8_t* x, size_t n) {
  int64_t s = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  return s;
}

void GlobalAvgPoolS8(const int8_t* x, const PoolGeom& g, float in_scale, float out_scale, int32_t qmax, int32_t zi, int32_t zo, int8_t* y, SumS8Fn sum) {
  const size_t hw = static_cast<size_t>(g.H) * g.W, planes = static_cast<size_t>(g.N) * g.C;
  const float m = AvgMult(in_scale, out_scale, hw);
  const int64_t offset = static_cast<int64_t>(hw) * zi;  // every tap is inside
  for (size_t p = 0; p < planes; p++) y[p] = ClipRneOffset(static_cast<float>(sum(x + p * hw, hw) + offset) * m, -qmax, qmax, zo);
}

void AvgPoolS8(const int8_t* x, const PoolGeom& g, float in_scale, float out_scale, int32_t qmax, int32_t zi, int32_t zo, int8_t* y) {
  const auto mult = [&](uint64_t count) { return AvgMult(in_scale, out_scale, count); };
  const uint64_t kCache = 4096;
  std::vector<float> cache;
  std::vector<bool> have;
  Pool<false>(x, g, [&](size_t o, int32_t sum, uint64_t count, uint64_t inside) {
    if (count == 0) {  // no taps: the reference computes 0 * Inf = NaN, stored as 0
      y[o] = 0;
      return;
    }
    float m;
    if (count < kCache) {
      if (count >= cache.size()) {
        cache.resize(count + 1);
        have.resize(count + 1, false);
      }
      if (!have[count]) {
        cache[count] = mult(count);
        have[count] = true;
      }
      m = cache[count];
    } else {
      m = mult(count);
    }
    const int64_t s = sum + static_cast<int64_t>(inside) * zi;
    y[o] = ClipRneOffset(static_cast<float>(s) * m, -qmax, qmax, zo);
  });
}

}  // namespace kernels
}  // namespace eq
