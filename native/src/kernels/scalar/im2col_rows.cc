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

namespace eq {
namespace kernels {
namespace {
struct Im2ColSeg {
  uint32_t out, src, n;  // dst offset in the tap row, strip offset from the tap's base, bytes
};
}  // namespace

void Im2ColS8BlockRows(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst) {
  if (p1 <= p0) return;
  const size_t cpg = g.cin / g.group, hw = static_cast<size_t>(g.inH) * g.inW, ld = p1 - p0;
  const size_t sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw;
  const size_t oy0 = p0 / g.outW, oy1 = (p1 - 1) / g.outW;  // output rows the block touches
  // strip: padded rows oy0*sh .. oy1*sh + (kh-1)*dh, each stored as sw column phases of Wq
  // (padded column c at phase c % sw, index c / sw): the tap (ky, kx) of outputs ox = xa..xb
  // is then the contiguous run at phase (kx*dw) % sw, index ox + (kx*dw) / sw
  const size_t R = (oy1 - oy0) * sh + (g.kh - 1) * dh + 1;
  const size_t Wq = g.outW + (g.kw - 1) * dw / sw, Ws = sw * Wq;
  thread_local std::vector<int8_t> strip;
  if (strip.size() < R * Ws) strip.resize(R * Ws);
  int8_t* const s = strip.data();
  // input columns [ix0, ix1) land on padded columns ix + padL inside [0, Ws)
  const int64_t ix0 = std::max<int64_t>(0, -static_cast<int64_t>(g.padL));
  const int64_t ix1 = std::min<int64_t>(g.inW, static_cast<int64_t>(Ws) - g.padL);
  const size_t taps = static_cast<size_t>(g.kh) * g.kw;
  // the block's output-row segments, the same for every tap and channel: computed once, so the
  // copy loop has no division (p / outW per tap row cost more than the 7-byte copies of a 7x7
  // map; im2col-bench on the AVX2 EPYC: ResNet-18 layer4.0.conv1 0.71x the time, layer4 3x3/1
  // 0.55-0.57x, the 56x56 layers 0.56-0.77x, the 224-wide stems 0.73-0.89x).
  thread_local std::vector<Im2ColSeg> segs;
  segs.clear();
  for (size_t p = p0; p < p1;) {
    const size_t oy = p / g.outW, xa = p - oy * g.outW, xb = std::min<size_t>(g.outW, xa + (p1 - p));
    segs.push_back({static_cast<uint32_t>(p - p0), static_cast<uint32_t>((oy - oy0) * sh * Ws + xa), static_cast<uint32_t>(xb - xa)});
    p += xb - xa;
  }
  // plain pointers: the int8 stores below may alias anything, so a loop over the vector itself
  // would reload its bounds after every copy
  const Im2ColSeg *seg0 = segs.data(), *seg1 = seg0 + segs.size();
  for (size_t ci = 0; ci < cpg; ci++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    for (size_t r = 0; r < R; r++) {
      int8_t* row = s + r * Ws;
      const int64_t iy = static_cast<int64_t>(oy0 * sh + r) - g.padT;
      if (iy < 0 || iy >= static_cast<int64_t>(g.inH) || ix0 >= ix1) {
        std::memset(row, 0, Ws);
        continue;
      }
      const int8_t* src = plane + static_cast<size_t>(iy) * g.inW;
      const size_t a = static_cast<size_t>(ix0 + g.padL), b = static_cast<size_t>(ix1 + g.padL);
      if (sw == 1) {
        std::memset(row, 0, a);
        std::memcpy(row + a, src + ix0, b - a);
        std::memset(row + b, 0, Ws - b);
      } else {
        std::memset(row, 0, Ws);
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
