// int8 max pooling over planes [plane0, plane1), written so the compiler vectorises it; the
// scalar reference (scalar/pool_s8.cc) and the AVX2 variant (x86_avx2/maxpool_avx2.cc) both
// compile this one source, with their own target flags (internal linkage: no symbol of the
// AVX2 build can be picked for the baseline one).
//
// Max is separable: the max over a window is the max over its rows of the max over its
// columns. Pass 1 takes, for every input row, the running max over kw adjacent columns (for
// dilation 1; contiguous loops) and picks it at every output x whose window lies inside the
// row; border outputs use their in-bounds taps. Pass 2 takes the max over the window's rows.
// Windows without taps give -128, as int-pool.ts. Three shapes have their own path: 3x3 stride 2
// row by row from three input rows; stride 1 and 2x2 stride 2 over a batch of planes as one
// flat array (MaxPoolS1Planes, MaxPool2x2S2Planes), where short rows made the row passes mostly
// loop overhead.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "format/model.h"
#include "kernels/scalar/copy_small.h"
#include "kernels/tap_ranges.h"

namespace eq {
namespace kernels {
namespace {

inline int8_t Max8(int8_t a, int8_t b) { return a > b ? a : b; }

// batch size of the flat paths (MaxPoolS1Planes, MaxPool2x2S2Planes), per buffer: the three
// buffers of a stride-1 batch stay within 48 KB
constexpr size_t kFlatBatchBytes = 16 << 10;

// h[ox] = max(r0[2ox], r0[2ox+1], r0[2ox+2]) for ox in [ox0, ox1): the horizontal pass of the
// usual 3x3 stride-2 pool. A per-ISA file may pass a SIMD version (which ends with this loop).
inline void RowMax3S2(const int8_t* r0, size_t ox0, size_t ox1, size_t /*avail: bytes readable from r0*/, int8_t* h) {
  for (size_t ox = ox0; ox < ox1; ox++) h[ox] = Max8(Max8(r0[2 * ox], r0[2 * ox + 1]), r0[2 * ox + 2]);
}
using RowMax3S2Fn = void (*)(const int8_t* r0, size_t ox0, size_t ox1, size_t avail, int8_t* h);
// h[ox] = the max of the 3x3 window at columns 2ox..2ox+2 of rows r0, r1, r2, for ox in
// [ox0, ox1): a whole output row of the usual pool from its three input rows. A per-ISA file
// may pass a SIMD version that keeps the vertical max in registers (a row buffer written and
// read back at other offsets costs a store-forwarding stall per load on short rows).
inline void Rows3Max3S2(const int8_t* r0, const int8_t* r1, const int8_t* r2, size_t ox0, size_t ox1, size_t /*avail*/, int8_t* h) {
  for (size_t ox = ox0; ox < ox1; ox++) {
    int8_t m = r0[2 * ox];
    for (const int8_t* r : {r0, r1, r2})
      for (size_t k = 0; k < 3; k++) m = Max8(m, r[2 * ox + k]);
    h[ox] = m;
  }
}
// The step schedule of the SIMD versions of Rows3Max3S2: step16(o) / step8(o) write outputs
// o .. o+15 / o+7 and read bytes 2o .. 2o+32 / 2o+16 of each row. The tail is one step that
// ends at ox1 (recomputing some outputs, same values), not a scalar loop; rows too short for a
// step, or too close to the end of readable memory, take the scalar loop.
template <typename Step16, typename Step8>
inline void Rows3Max3S2Steps(Step16 step16, Step8 step8, const int8_t* r0, const int8_t* r1, const int8_t* r2, size_t ox0, size_t ox1, size_t avail,
                             int8_t* h) {
  size_t ox = ox0;
  for (; ox + 16 <= ox1 && 2 * ox + 33 <= avail; ox += 16) step16(ox);
  if (ox < ox1 && ox1 - ox0 >= 16 && 2 * (ox1 - 16) + 33 <= avail) return step16(ox1 - 16);
  for (; ox + 8 <= ox1 && 2 * ox + 17 <= avail; ox += 8) step8(ox);
  if (ox < ox1 && ox1 - ox0 >= 8 && 2 * (ox1 - 8) + 17 <= avail) return step8(ox1 - 8);
  Rows3Max3S2(r0, r1, r2, ox, ox1, avail, h);
}
using Rows3Max3S2Fn = void (*)(const int8_t* r0, const int8_t* r1, const int8_t* r2, size_t ox0, size_t ox1, size_t avail, int8_t* h);
// h[ox] = max(r0[2ox], r0[2ox+1]): the 2x2 stride-2 pool of FPN / BlazeFace blocks
inline void RowMax2S2(const int8_t* r0, size_t ox0, size_t ox1, size_t /*avail*/, int8_t* h) {
  for (size_t ox = ox0; ox < ox1; ox++) h[ox] = Max8(r0[2 * ox], r0[2 * ox + 1]);
}

// The usual 3x3 stride-2 pool (SqueezeNet, ResNet stems), row by output row: a full-height
// window goes straight from its 3 input rows (rows3); an edge row with fewer rows in bounds
// takes their max over the full width first, then the horizontal stride-2 pass. No H x OW buffer.
inline void MaxPool3x3S2Planes(const int8_t* x, const PoolGeom& g, const TapRanges& rh, const TapRanges& rw, size_t in0, size_t in1, size_t plane0,
                               size_t plane1, int8_t* y, RowMax3S2Fn row3s2, Rows3Max3S2Fn rows3) {
  const size_t W = g.W, OW = g.OW, hw = static_cast<size_t>(g.H) * W;
  std::vector<int8_t> v(W);
  int8_t* vr = v.data();
  // border outputs (padding or a ceil_mode overhang), for full-height and edge rows alike: first
  // in-bounds column and tap count (0..3), listed once; a per-row loop over the window's tap
  // ranges cost as much as the vector pass on SqueezeNet's ceil_mode pools (56 -> 28 columns,
  // one border output per row)
  struct Border {
    uint32_t ox, c0, n;
  };
  std::vector<Border> borders;
  for (size_t ox = 0; ox < OW; ox++)
    if (ox < in0 || ox >= in1)
      borders.push_back({static_cast<uint32_t>(ox), static_cast<uint32_t>(static_cast<int64_t>(ox) * 2 - g.pl + rw.lo[ox]), rw.hi[ox] - rw.lo[ox]});
  // col(c): the max of input column c over the output row's window rows
  const auto write_borders = [&](int8_t* out, const auto& col) {
    for (const Border& b : borders) {
      if (b.n == 0) {  // a window without taps
        out[b.ox] = -128;
        continue;
      }
      int8_t m = col(b.c0);
      if (b.n > 1) m = Max8(m, col(b.c0 + 1));
      if (b.n > 2) m = Max8(m, col(b.c0 + 2));
      out[b.ox] = m;
    }
  };
  for (size_t nc = plane0; nc < plane1; nc++) {
    const int8_t* base = x + nc * hw;
    int8_t* out = y + nc * static_cast<size_t>(g.OH) * OW;
    for (uint32_t oy = 0; oy < g.OH; oy++, out += OW) {
      const int64_t y0 = static_cast<int64_t>(oy) * 2 - g.pt;
      const uint32_t lo = rh.lo[oy], hi = rh.hi[oy];
      const auto row = [&](uint32_t ky) { return base + static_cast<size_t>(y0 + ky) * W; };
      if (hi - lo == 3) {
        // the usual full-height window: straight from the three rows
        const int8_t *r0 = row(lo), *r1 = row(lo + 1), *r2 = row(lo + 2);
        rows3(r0 - g.pl, r1 - g.pl, r2 - g.pl, in0, in1, g.pl + W, out);
        write_borders(out, [&](uint32_t c) { return Max8(Max8(r0[c], r1[c]), r2[c]); });
        continue;
      }
      if (hi == lo) {
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
      write_borders(out, [&](uint32_t c) { return vr[c]; });
    }
  }
}

// Stride-1 pools (tiny-YOLO's 2x2 'same' pool on 13x13 planes, SPP's 5x5). A batch of planes is
// copied into a buffer with -128 around each plane (the padding: neutral for max, and what a window
// without taps gives, as int-pool.ts), and the running maxima run over the whole batch as one flat
// array: with i = row*Wp + col of a padded plane, hm[i] = max over kx of p[i + kx] and vm[i] = max
// over ky of hm[i + ky*Wp] is output (row, col)'s window wherever col + kw <= Wp and row + kh <= Hp,
// i.e. for every output; the other positions (whose windows wrap into the next row or plane) are
// never read. Row by row, 13-wide rows made the passes almost all loop overhead (faceapi's
// 2x2 'same' pool on 512 planes of 13x13: 0.28 ms, 0.045 ms this way). Returns false for a
// geometry whose output size is not the padded size minus the window (pads as wide as the
// window) or for planes over 16 KB (long rows, where the row passes are efficient and three
// plane-sized buffers would not stay in cache), which the caller's general path handles.
inline bool MaxPoolS1Planes(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y) {
  const size_t H = g.H, W = g.W, kh = g.kh, kw = g.kw, OH = g.OH, OW = g.OW;
  const size_t Hp = H + g.pt + g.pb, Wp = W + g.pl + g.pr, pp = Hp * Wp;
  if (pp > kFlatBatchBytes || Hp < kh || Wp < kw || OH != Hp - kh + 1 || OW != Wp - kw + 1) return false;
  const size_t batch = kFlatBatchBytes / pp, hw = H * W;
  std::vector<int8_t> pad(std::min(batch, plane1 - plane0) * pp), hm(pad.size()), vm(pad.size());
  for (size_t b0 = plane0; b0 < plane1; b0 += batch) {
    const size_t nb = std::min(batch, plane1 - b0), n = nb * pp;
    std::memset(pad.data(), -128, n);
    for (size_t b = 0; b < nb; b++)
      for (size_t r = 0; r < H; r++) CopySmall(pad.data() + b * pp + (g.pt + r) * Wp + g.pl, x + (b0 + b) * hw + r * W, W);
    const size_t nh = n - (kw - 1), nv = nh - (kh - 1) * Wp;
    for (size_t i = 0; i < nh; i++) hm[i] = pad[i];
    for (size_t kx = 1; kx < kw; kx++)
      for (size_t i = 0; i < nh; i++) hm[i] = Max8(hm[i], pad[i + kx]);
    for (size_t i = 0; i < nv; i++) vm[i] = hm[i];
    for (size_t ky = 1; ky < kh; ky++)
      for (size_t i = 0; i < nv; i++) vm[i] = Max8(vm[i], hm[i + ky * Wp]);
    for (size_t b = 0; b < nb; b++)
      for (size_t oy = 0; oy < OH; oy++) CopySmall(y + ((b0 + b) * OH + oy) * OW, vm.data() + b * pp + oy * Wp, OW);
  }
  return true;
}

// 2x2 stride-2 pools (tiny-YOLO, U-Nets, BlazeFace blocks): for a batch of planes, the vertical max
// of each output row's two input rows, v[oy][c] for c in [0, 2*OW) with -128 where a column or row
// lies outside the input (padding and ceil_mode overhangs: neutral for max, and what a window
// without taps gives, as int-pool.ts), then one pairwise max over the whole batch as a flat array,
// out[j] = max(v[2j], v[2j+1]) (row2s2 on the batch). On faceapi's 26x26 and 52x52 planes the
// row-by-row passes were mostly loop overhead (3 ns per output).
inline void MaxPool2x2S2Planes(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y, RowMax3S2Fn row2s2) {
  const size_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, Wq = 2 * OW, hw = H * W, vp = OH * Wq;
  // input columns [0, c1) land at v columns c + pl < Wq
  const size_t c1 = std::min(W, Wq > g.pl ? Wq - g.pl : 0);
  const bool edges = g.pl > 0 || c1 < Wq;  // v columns that no input column fills
  const size_t batch = std::max<size_t>(1, kFlatBatchBytes / std::max<size_t>(1, vp));
  std::vector<int8_t> v(std::min(batch, plane1 - plane0) * vp);
  for (size_t b0 = plane0; b0 < plane1; b0 += batch) {
    const size_t nb = std::min(batch, plane1 - b0);
    for (size_t b = 0; b < nb; b++) {
      const int8_t* p = x + (b0 + b) * hw;
      for (size_t oy = 0; oy < OH; oy++) {
        int8_t* vr = v.data() + b * vp + oy * Wq;
        const int64_t r0 = static_cast<int64_t>(2 * oy) - g.pt;
        const bool in0 = r0 >= 0 && r0 < static_cast<int64_t>(H), in1 = r0 + 1 >= 0 && r0 + 1 < static_cast<int64_t>(H);
        if (edges || !(in0 && in1)) std::memset(vr, -128, Wq);
        int8_t* d = vr + g.pl;
        if (in0 && in1) {
          const int8_t *a = p + r0 * W, *e = a + W;
          for (size_t c = 0; c < c1; c++) d[c] = Max8(a[c], e[c]);
        } else if (in0 || in1) {
          const int8_t* a = p + (in0 ? r0 : r0 + 1) * W;
          for (size_t c = 0; c < c1; c++) d[c] = a[c];
        }
      }
    }
    row2s2(v.data(), 0, nb * OH * OW, nb * vp, y + b0 * OH * OW);
  }
}

void MaxPoolPlanesImpl(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y, RowMax3S2Fn row3s2 = RowMax3S2,
                       RowMax3S2Fn row2s2 = RowMax2S2, Rows3Max3S2Fn rows3 = Rows3Max3S2) {
  if (g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && MaxPoolS1Planes(x, g, plane0, plane1, y)) return;
  if (g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1) return MaxPool2x2S2Planes(x, g, plane0, plane1, y, row2s2);
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
    MaxPool3x3S2Planes(x, g, rh, rw, in0, in1, plane0, plane1, y, row3s2, rows3);
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
