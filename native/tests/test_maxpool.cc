// The int8 max pool of the best ISA on this CPU (AVX2's hand-written 3x3 / 2x2 stride-2 passes
// on x86, the compiler-vectorised shared source elsewhere) and the scalar build, against a
// direct 9-tap reference: every row width from 3 to 80 (SIMD steps, overlapping tails, rows
// shorter than a step), pads and ceil_mode overhangs on every side, and a plane range in the
// middle of the tensor with canary bytes around it (a SIMD store past its row or plane would
// race with the thread that owns the next planes); stride-1 pools of every small window, and the
// flat paths (stride 1, 2x2 stride 2) over plane ranges split into several batches.
#include <algorithm>
#include <cstring>
#include <vector>

#include "eqtest.h"
#include "format/model.h"
#include "kernels/isa.h"
#include "kernels/kernels.h"

using namespace eq;
using namespace eq::kernels;

namespace {

uint32_t OutDim(uint32_t in, uint32_t k, uint32_t s, uint32_t p0, uint32_t p1, bool ceil_mode) {
  const uint32_t span = in + p0 + p1 - k;
  uint32_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + p0) o--;  // the last window must start inside the input or left pad
  return o;
}

void Reference(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y) {
  for (size_t p = plane0; p < plane1; p++)
    for (uint32_t oy = 0; oy < g.OH; oy++)
      for (uint32_t ox = 0; ox < g.OW; ox++) {
        int8_t m = -128;
        for (uint32_t ky = 0; ky < g.kh; ky++)
          for (uint32_t kx = 0; kx < g.kw; kx++) {
            const int64_t iy = static_cast<int64_t>(oy) * g.sh - g.pt + ky, ix = static_cast<int64_t>(ox) * g.sw - g.pl + kx;
            if (iy < 0 || ix < 0 || iy >= g.H || ix >= g.W) continue;
            const int8_t v = x[(p * g.H + iy) * g.W + ix];
            if (v > m) m = v;
          }
        y[(p * g.OH + oy) * g.OW + ox] = m;
      }
}

// Planes [plane0, plane1) of a random input pooled by the best ISA's kernel and by the scalar
// build, against Reference: the most bytes either one gets wrong, canaries around the output
// included (the other planes belong to "another thread": a store past the range would race).
size_t WorstBadBytes(const PoolGeom& g, eqtest::Rng& r, size_t plane0, size_t plane1) {
  std::vector<int8_t> x(static_cast<size_t>(g.C) * g.H * g.W);
  for (auto& v : x) v = static_cast<int8_t>(r.Uniform(-128, 127));
  const size_t plane_out = static_cast<size_t>(g.OH) * g.OW, guard = 64;
  std::vector<int8_t> want(g.C * plane_out + 2 * guard, 0x5a);
  Reference(x.data(), g, plane0, plane1, want.data() + guard);
  size_t worst = 0;
  for (const MaxPoolFn fn : {SelectMaxPool(DetectIsa()), static_cast<MaxPoolFn>(MaxPoolS8Planes)}) {
    std::vector<int8_t> got(want.size(), 0x5a);
    fn(x.data(), g, plane0, plane1, got.data() + guard);
    size_t bad = 0;
    for (size_t i = 0; i < got.size(); i++) bad += got[i] != want[i];
    worst = std::max(worst, bad);
  }
  return worst;
}

}  // namespace

EQ_TEST(maxpool_matches_direct_reference) {
  eqtest::Rng r(4242);
  size_t cases = 0;
  for (uint32_t k : {3u, 2u}) {
    for (uint32_t W = 3; W <= 80; W++) {
      PoolGeom g;
      g.N = 1;
      g.C = 5;
      g.H = static_cast<uint32_t>(r.Uniform(3, 9));
      g.W = W;
      g.kh = g.kw = k;
      g.sh = g.sw = 2;
      g.pt = static_cast<uint32_t>(r.Uniform(0, k - 1));
      g.pb = static_cast<uint32_t>(r.Uniform(0, k - 1));
      g.pl = static_cast<uint32_t>(r.Uniform(0, k - 1));
      g.pr = static_cast<uint32_t>(r.Uniform(0, k - 1));
      if (W % 3 == 0) g.pl = g.pr = g.pt = g.pb = 0;  // the common unpadded case
      const bool ceil_mode = r.Uniform(0, 1) == 1;
      if (g.W + g.pl + g.pr < k || g.H + g.pt + g.pb < k) continue;
      g.OH = OutDim(g.H, k, 2, g.pt, g.pb, ceil_mode);
      g.OW = OutDim(g.W, k, 2, g.pl, g.pr, ceil_mode);
      // planes [1, 4) of 5
      const size_t bad = WorstBadBytes(g, r, 1, 4);
      EQ_EXPECT(bad == 0) << k << "x" << k << " s2 on " << g.H << "x" << g.W << " pads t" << g.pt << " l" << g.pl << " b" << g.pb << " r" << g.pr
                          << (ceil_mode ? " ceil" : "") << " -> " << g.OH << "x" << g.OW << ": " << bad << " bytes differ (incl. canaries)";
      cases++;
    }
  }
  EQ_EXPECT(cases > 140) << cases;
}

// Stride-1 pools take the flat-plane path (MaxPoolS1Planes): kernels 1x1 to 5x5, square or not,
// on planes from 1x1 to 20x20 (smaller than the window too), with and without pads on each side
// (tiny-YOLO's 2x2 'same' pool pads only bottom and right).
EQ_TEST(maxpool_stride1_matches_direct_reference) {
  eqtest::Rng r(777);
  size_t cases = 0, flat = 0;
  for (int t = 0; t < 400; t++) {
    PoolGeom g;
    g.N = 1;
    g.C = 5;
    g.kh = static_cast<uint32_t>(r.Uniform(1, 5));
    g.kw = static_cast<uint32_t>(r.Uniform(1, 5));
    g.H = static_cast<uint32_t>(r.Uniform(1, 20));
    g.W = static_cast<uint32_t>(r.Uniform(1, 20));
    if (t % 4 != 0) {
      g.pt = static_cast<uint32_t>(r.Uniform(0, g.kh - 1));
      g.pb = static_cast<uint32_t>(r.Uniform(0, g.kh - 1));
      g.pl = static_cast<uint32_t>(r.Uniform(0, g.kw - 1));
      g.pr = static_cast<uint32_t>(r.Uniform(0, g.kw - 1));
    }
    if (g.W + g.pl + g.pr < g.kw || g.H + g.pt + g.pb < g.kh) continue;
    g.OH = OutDim(g.H, g.kh, 1, g.pt, g.pb, false);
    g.OW = OutDim(g.W, g.kw, 1, g.pl, g.pr, false);
    flat += g.H >= g.kh && g.W >= g.kw;
    const size_t bad = WorstBadBytes(g, r, 1, 4);
    EQ_EXPECT(bad == 0) << g.kh << "x" << g.kw << " s1 on " << g.H << "x" << g.W << " pads t" << g.pt << " l" << g.pl << " b" << g.pb << " r" << g.pr << " -> " << g.OH
                        << "x" << g.OW << ": " << bad << " bytes differ (incl. canaries)";
    cases++;
  }
  EQ_EXPECT(cases > 300 && flat > 150) << cases << " cases, " << flat << " with interior outputs";
}

// Planes large enough that the flat stride-1 and 2x2 stride-2 paths split the plane range into
// several batches (their buffers are kept near L1 size): batch boundaries inside the range.
EQ_TEST(maxpool_flat_paths_over_several_batches) {
  eqtest::Rng r(99);
  struct Shape {
    uint32_t k, s, H, W, pt, pl, pb, pr;
    bool ceil_mode;
  };
  // stride 1: padded planes of 4-8 KB (two or three per batch, planes [1, 5)); one over 16 KB (the general path)
  const Shape shapes[] = {{2, 2, 130, 131, 0, 0, 0, 0, true}, {2, 2, 97, 180, 1, 1, 0, 1, false}, {3, 1, 60, 100, 1, 1, 1, 1, false},
                          {5, 1, 40, 90, 2, 2, 2, 2, false},  {2, 1, 70, 110, 0, 0, 1, 1, false}, {3, 1, 150, 140, 1, 1, 1, 1, false}};
  for (const Shape& sh : shapes) {
    PoolGeom g;
    g.N = 1;
    g.C = 6;
    g.H = sh.H;
    g.W = sh.W;
    g.kh = g.kw = sh.k;
    g.sh = g.sw = sh.s;
    g.pt = sh.pt;
    g.pl = sh.pl;
    g.pb = sh.pb;
    g.pr = sh.pr;
    g.OH = OutDim(g.H, sh.k, sh.s, g.pt, g.pb, sh.ceil_mode);
    g.OW = OutDim(g.W, sh.k, sh.s, g.pl, g.pr, sh.ceil_mode);
    const size_t bad = WorstBadBytes(g, r, 1, 5);
    EQ_EXPECT(bad == 0) << sh.k << "x" << sh.k << " s" << sh.s << " on " << g.H << "x" << g.W << ": " << bad << " bytes differ (incl. canaries)";
  }
}
