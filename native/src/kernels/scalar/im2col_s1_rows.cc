// Column-block im2col for stride-1 convolutions (every 3x3/s1 layer the GEMM path runs):
// the same bytes as Im2ColS8Block (im2col_s8.cc), with the per-tap bounds work done once.
// Each input channel's rows that the block reads are first copied into a zero-padded strip,
// so every tap row of an output row is one plain copy out of it (no clipping, no memset).
// On the 7x7 and 14x14 planes of deep layers a row is only 7 or 14 bytes and the reference's
// memset + memcpy + bounds per row cost more than the bytes (ResNet-18 spent 16 % of its
// time in im2col with the AMX GEMM); copies here are fixed-size and overlapping instead.
// Portable C++: the x86 levels select it, scalar and NEON keep their own.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

// dst[0, n) = src[0, n) with at most four fixed-size moves (overlapping for the tail).
inline void CopySmall(int8_t* dst, const int8_t* src, size_t n) {
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) std::memcpy(dst + i, src + i, 16);
    if (i < n) std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
  }
}

}  // namespace

void Im2ColS8BlockRows(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst) {
  if (g.sh != 1 || g.sw != 1 || p1 <= p0) return Im2ColS8Block(x, g, group, p0, p1, dst);
  const size_t cpg = g.cin / g.group, hw = static_cast<size_t>(g.inH) * g.inW, ld = p1 - p0;
  const size_t oy0 = p0 / g.outW, oy1 = (p1 - 1) / g.outW;  // output rows the block touches
  // strip: padded rows oy0 .. oy1 + (kh-1)*dh, columns ox + kx*dw for ox < outW, kx < kw
  const size_t R = oy1 - oy0 + 1 + (g.kh - 1) * static_cast<size_t>(g.dh);
  const size_t Wp = g.outW + (g.kw - 1) * static_cast<size_t>(g.dw);
  thread_local std::vector<int8_t> strip;
  if (strip.size() < R * Wp) strip.resize(R * Wp);
  int8_t* s = strip.data();
  // input columns [ix0, ix1) land on strip columns ix + padL inside [0, Wp)
  const int64_t ix0 = std::max<int64_t>(0, -static_cast<int64_t>(g.padL));
  const int64_t ix1 = std::min<int64_t>(g.inW, static_cast<int64_t>(Wp) - g.padL);
  const size_t taps = static_cast<size_t>(g.kh) * g.kw;
  for (size_t ci = 0; ci < cpg; ci++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    for (size_t r = 0; r < R; r++) {
      int8_t* row = s + r * Wp;
      const int64_t iy = static_cast<int64_t>(oy0 + r) - g.padT;
      if (iy < 0 || iy >= static_cast<int64_t>(g.inH) || ix0 >= ix1) {
        std::memset(row, 0, Wp);
        continue;
      }
      const size_t a = static_cast<size_t>(ix0 + g.padL), b = static_cast<size_t>(ix1 + g.padL);
      std::memset(row, 0, a);
      std::memcpy(row + a, plane + static_cast<size_t>(iy) * g.inW + ix0, b - a);
      std::memset(row + b, 0, Wp - b);
    }
    for (size_t t = 0; t < taps; t++) {
      const size_t ky = t / g.kw, kx = t % g.kw;
      int8_t* out = dst + (ci * taps + t) * ld;
      const int8_t* base = s + ky * g.dh * Wp + kx * g.dw;
      for (size_t p = p0; p < p1;) {
        const size_t oy = p / g.outW, xa = p - oy * g.outW, xb = std::min<size_t>(g.outW, xa + (p1 - p));
        CopySmall(out + (p - p0), base + (oy - oy0) * Wp + xa, xb - xa);
        p += xb - xa;
      }
    }
  }
}

}  // namespace kernels
}  // namespace eq
