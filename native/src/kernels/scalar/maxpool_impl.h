// int8 max pooling over planes [plane0, plane1), written so the compiler vectorises it; the
// scalar reference (scalar/pool_s8.cc) and the AVX2 variant (x86_avx2/maxpool_avx2.cc) both
// compile this one source, with their own target flags (internal linkage: no symbol of the
// AVX2 build can be picked for the baseline one).
//
// Max is separable: the max over a window is the max over its rows of the max over its
// columns. Pass 1 takes, for every input row, the running max over kw adjacent columns (for
// dilation 1; contiguous loops) and picks it at every output x whose window lies inside the
// row; border outputs use their in-bounds taps. Pass 2 takes the max over the window's rows.
// Windows without taps give -128, as int-pool.ts.
#pragma once

#include <cstdint>
#include <vector>

#include "format/model.h"
#include "kernels/tap_ranges.h"

namespace eq {
namespace kernels {
namespace {

inline int8_t Max8(int8_t a, int8_t b) { return a > b ? a : b; }

// h[ox] = max(r0[2ox], r0[2ox+1], r0[2ox+2]) for ox in [ox0, ox1): the horizontal pass of the
// usual 3x3 stride-2 pool. A per-ISA file may pass a SIMD version (which ends with this loop).
inline void RowMax3S2(const int8_t* r0, size_t ox0, size_t ox1, size_t /*avail: bytes readable from r0*/, int8_t* h) {
  for (size_t ox = ox0; ox < ox1; ox++) h[ox] = Max8(Max8(r0[2 * ox], r0[2 * ox + 1]), r0[2 * ox + 2]);
}
using RowMax3S2Fn = void (*)(const int8_t* r0, size_t ox0, size_t ox1, size_t avail, int8_t* h);
// h[ox] = max(r0[2ox], r0[2ox+1]): the 2x2 stride-2 pool of FPN / BlazeFace blocks
inline void RowMax2S2(const int8_t* r0, size_t ox0, size_t ox1, size_t /*avail*/, int8_t* h) {
  for (size_t ox = ox0; ox < ox1; ox++) h[ox] = Max8(r0[2 * ox], r0[2 * ox + 1]);
}

// The usual 3x3 stride-2 pool (SqueezeNet, ResNet stems), rows first: each output row takes the
// max of its (up to) 3 input rows over the full width, then the horizontal stride-2 pass runs
// once per output row — half the horizontal passes of the generic path, and no H x OW buffer.
inline void MaxPool3x3S2Planes(const int8_t* x, const PoolGeom& g, const TapRanges& rh, const TapRanges& rw, size_t in0, size_t in1, size_t plane0,
                               size_t plane1, int8_t* y, RowMax3S2Fn row3s2) {
  const size_t W = g.W, OW = g.OW, hw = static_cast<size_t>(g.H) * W;
  std::vector<int8_t> v(W);
  int8_t* vr = v.data();
  for (size_t nc = plane0; nc < plane1; nc++) {
    const int8_t* base = x + nc * hw;
    int8_t* out = y + nc * static_cast<size_t>(g.OH) * OW;
    for (uint32_t oy = 0; oy < g.OH; oy++, out += OW) {
      const int64_t y0 = static_cast<int64_t>(oy) * 2 - g.pt;
      const uint32_t lo = rh.lo[oy], hi = rh.hi[oy];
      const auto row = [&](uint32_t ky) { return base + static_cast<size_t>(y0 + ky) * W; };
      if (hi - lo == 3) {
        const int8_t *r0 = row(lo), *r1 = row(lo + 1), *r2 = row(lo + 2);
        for (size_t i = 0; i < W; i++) vr[i] = Max8(Max8(r0[i], r1[i]), r2[i]);
      } else if (hi == lo) {
        for (size_t i = 0; i < W; i++) vr[i] = -128;
      } else {
        const int8_t* r0 = row(lo);
        for (size_t i = 0; i < W; i++) vr[i] = r0[i];
        for (uint32_t ky = lo + 1; ky < hi; ky++) {
          const int8_t* r = row(ky);
          for (size_t i = 0; i < W; i++) vr[i] = Max8(vr[i], r[i]);
        }
      }
      row3s2(vr - g.pl, in0, in1, g.pl + W, out);
      for (size_t ox = 0; ox < OW; ox++) {
        if (ox == in0) {
          ox = in1 - 1;
          continue;
        }
        const int64_t x0 = static_cast<int64_t>(ox) * 2 - g.pl;
        int8_t m = -128;
        for (uint32_t kx = rw.lo[ox]; kx < rw.hi[ox]; kx++) m = Max8(m, vr[x0 + kx]);
        out[ox] = m;
      }
    }
  }
}

void MaxPoolPlanesImpl(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y, RowMax3S2Fn row3s2 = RowMax3S2,
                       RowMax3S2Fn row2s2 = RowMax2S2) {
  const TapRanges rh = ComputeTapRanges(g.OH, g.H, g.kh, g.sh, g.dh, g.pt, g.pb);
  const TapRanges rw = ComputeTapRanges(g.OW, g.W, g.kw, g.sw, g.dw, g.pl, g.pr);
  const size_t W = g.W, OW = g.OW, hw = static_cast<size_t>(g.H) * W;
  // interior outputs [in0, in1): the whole window lies inside the row
  size_t in0 = 0;
  while (in0 < OW && rw.lo[in0] != 0) in0++;
  size_t in1 = in0;
  while (in1 < OW && rw.lo[in1] == 0 && rw.hi[in1] == g.kw) in1++;
  const bool dense = g.dw == 1 && in1 > in0 && g.kw <= W;
  if (dense && g.kw == 3 && g.sw == 2 && g.kh == 3 && g.sh == 2 && g.dh == 1) {
    MaxPool3x3S2Planes(x, g, rh, rw, in0, in1, plane0, plane1, y, row3s2);
    return;
  }
  std::vector<int8_t> hmax(static_cast<size_t>(g.H) * OW), run(W);
  for (size_t nc = plane0; nc < plane1; nc++) {
    const int8_t* base = x + nc * hw;
    for (uint32_t iy = 0; iy < g.H; iy++) {
      const int8_t* row = base + static_cast<size_t>(iy) * W;
      int8_t* h = hmax.data() + static_cast<size_t>(iy) * OW;
      if (dense && g.sw == 2 && g.kw == 3) {
        // the usual 3x3 stride-2 pool: only the output columns (from even/odd columns)
        // instead of a running max over every column
        row3s2(row - g.pl, in0, in1, g.pl + W, h);
      } else if (dense && g.sw == 2 && g.kw == 2) {
        row2s2(row - g.pl, in0, in1, g.pl + W, h);
      } else if (dense) {
        const size_t n = W - g.kw + 1;
        int8_t* r = run.data();
        for (size_t i = 0; i < n; i++) r[i] = row[i];
        for (uint32_t kx = 1; kx < g.kw; kx++)
          for (size_t i = 0; i < n; i++) r[i] = Max8(r[i], row[i + kx]);
        for (size_t ox = in0; ox < in1; ox++) h[ox] = r[ox * g.sw - g.pl];
      }
      for (size_t ox = 0; ox < OW; ox++) {
        if (dense && ox == in0) {
          ox = in1 - 1;
          continue;
        }
        const int64_t x0 = static_cast<int64_t>(ox) * g.sw - g.pl;
        int8_t m = -128;
        for (uint32_t kx = rw.lo[ox]; kx < rw.hi[ox]; kx++) m = Max8(m, row[x0 + static_cast<int64_t>(kx) * g.dw]);
        h[ox] = m;
      }
    }
    int8_t* out = y + nc * static_cast<size_t>(g.OH) * OW;
    for (uint32_t oy = 0; oy < g.OH; oy++, out += OW) {
      const int64_t y0 = static_cast<int64_t>(oy) * g.sh - g.pt;
      const auto hrow = [&](uint32_t ky) { return hmax.data() + static_cast<size_t>(y0 + static_cast<int64_t>(ky) * g.dh) * OW; };
      if (rh.hi[oy] - rh.lo[oy] == 3) {
        // the usual 3-row window in one pass (short rows make extra passes costly)
        const int8_t *h0 = hrow(rh.lo[oy]), *h1 = hrow(rh.lo[oy] + 1), *h2 = hrow(rh.lo[oy] + 2);
        for (size_t ox = 0; ox < OW; ox++) out[ox] = Max8(Max8(h0[ox], h1[ox]), h2[ox]);
        continue;
      }
      for (size_t ox = 0; ox < OW; ox++) out[ox] = -128;
      for (uint32_t ky = rh.lo[oy]; ky < rh.hi[oy]; ky++) {
        const int8_t* h = hrow(ky);
        for (size_t ox = 0; ox < OW; ox++) out[ox] = Max8(out[ox], h[ox]);
      }
    }
  }
}

}  // namespace
}  // namespace kernels
}  // namespace eq
