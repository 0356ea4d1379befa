// Column-block im2col: the same bytes as Im2ColS8Block (im2col_s8.cc), with the per-tap
// bounds work done once. Each input channel's rows that the block reads are first copied into
// a zero-padded strip (strided layers: split into column phases), so every tap row of an
// output row is one plain copy out of it (no clipping, no memset, no strided gather).
// On the 7x7 and 14x14 planes of deep layers a row is only 7 or 14 bytes and the reference's
// memset + memcpy + bounds per row cost more than the bytes (ResNet-18 spent 16 % of its
// time in im2col with the AMX GEMM); copies here are fixed-size and overlapping instead.
// Portable C++: the x86 levels select it, scalar and NEON keep their own.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/scalar/copy_small.h"
#include "kernels/scalar/im2col_strip.h"

namespace eq {
namespace kernels {

void Im2ColS8BlockRows(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst) {
  if (p1 <= p0) return;
  const size_t cpg = g.cin / g.group, hw = static_cast<size_t>(g.inH) * g.inW, ld = p1 - p0;
  const size_t sw = g.sw, dh = g.dh, dw = g.dw;
  // strip: each padded row stored as sw column phases of Wq (padded column c at phase c % sw,
  // index c / sw): the tap (ky, kx) of outputs ox = xa..xb is then the contiguous run at phase
  // (kx*dw) % sw, index ox + (kx*dw) / sw
  const auto [oy0, R] = StripRows(g, p0, p1);
  const size_t Wq = g.outW + (g.kw - 1) * dw / sw, Ws = sw * Wq;
  thread_local std::vector<int8_t> strip;
  if (strip.size() < R * Ws) strip.resize(R * Ws);
  int8_t* const s = strip.data();
  const size_t taps = static_cast<size_t>(g.kh) * g.kw;
  thread_local std::vector<Im2ColSeg> segs;
  const auto [seg0, seg1] = BlockSegments(g, p0, p1, oy0, Ws, 1, segs);
  for (size_t ci = 0; ci < cpg; ci++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    for (size_t r = 0; r < R; r++) {
      int8_t* row = s + r * Ws;
      const int8_t* src = StripSourceRow(plane, g, oy0, r);
      if (sw == 1) {
        FillPaddedRow(row, Ws, src, g);
        continue;
      }
      const auto [a, b] = InputColumns(g, Ws);
      std::memset(row, 0, Ws);
      if (!src) continue;
      for (size_t ph = 0; ph < sw; ph++) {  // phase by phase: a constant-stride gather, no division per byte
        const size_t c0 = a + (ph + sw - a % sw) % sw;
        int8_t* d = row + ph * Wq + c0 / sw;
        const int8_t* sp = src + (c0 - g.padL);
        const size_t n = c0 < b ? (b - c0 + sw - 1) / sw : 0;
        if (sw == 2) {
          for (size_t i = 0; i < n; i++) d[i] = sp[2 * i];
        } else {
          for (size_t i = 0; i < n; i++) d[i] = sp[i * sw];
        }
      }
    }
    int8_t* out = dst + ci * taps * ld;
    for (size_t ky = 0; ky < g.kh; ky++)
      for (size_t kx = 0; kx < g.kw; kx++, out += ld) {
        const int8_t* base = s + ky * dh * Ws + kx * dw % sw * Wq + kx * dw / sw;
        for (const Im2ColSeg* sg = seg0; sg != seg1; sg++) CopySmall(out + sg->out, base + sg->src, sg->n);
      }
  }
}

}  // namespace kernels
}  // namespace eq
