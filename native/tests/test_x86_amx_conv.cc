// The AMX direct convolution (kernels/amx_conv.h) against a naive direct convolution, exact
// int32: channel counts around the 4-channel quads, the 64-channel steps and the 16-channel
// output tiles; output rows around the 16-position tiles; strides 1-3 (column phases);
// kernels 1x1 to 7x7 with asymmetric pads wider than the kernel reach; both tap folds (none:
// kw * cin > 64; kx: the stems and 16-channel 3x3 layers); row blocks [y0, y1)
// starting mid-image; all ±127 (largest sums). Skipped where AMX is not available.
#include <vector>

#include "eqtest.h"
#include "kernels/amx_conv.h"
#include "kernels/isa.h"

using namespace eq::kernels;

namespace {

struct Case {
  uint32_t cin, cout, inH, inW, kh, kw, sh, sw, pt, pl, pb, pr;
};

eq::LinearGeom Geom(const Case& c) {
  eq::LinearGeom g;
  g.cin = c.cin;
  g.cout = c.cout;
  g.kh = c.kh;
  g.kw = c.kw;
  g.sh = c.sh;
  g.sw = c.sw;
  g.padT = c.pt;
  g.padL = c.pl;
  g.inH = c.inH;
  g.inW = c.inW;
  g.outH = (c.inH + c.pt + c.pb - c.kh) / c.sh + 1;
  g.outW = (c.inW + c.pl + c.pr - c.kw) / c.sw + 1;
  g.K = c.cin * c.kh * c.kw;
  g.P = g.outH * g.outW;
  return g;
}

int32_t Naive(const eq::LinearGeom& g, const std::vector<int8_t>& x, const std::vector<int8_t>& w, size_t co, size_t oy, size_t ox) {
  int32_t s = 0;
  for (size_t ci = 0; ci < g.cin; ci++)
    for (size_t ky = 0; ky < g.kh; ky++)
      for (size_t kx = 0; kx < g.kw; kx++) {
        const int64_t iy = static_cast<int64_t>(oy * g.sh + ky) - g.padT, ix = static_cast<int64_t>(ox * g.sw + kx) - g.padL;
        if (iy < 0 || ix < 0 || iy >= static_cast<int64_t>(g.inH) || ix >= static_cast<int64_t>(g.inW)) continue;
        s += x[(ci * g.inH + iy) * g.inW + ix] * w[((co * g.cin + ci) * g.kh + ky) * g.kw + kx];
      }
  return s;
}

}  // namespace

EQ_TEST(x86_amx_conv_matches_naive) {
  if (!eq::IsaAvailable(eq::Isa::kAmx)) return;
  eqtest::Rng r(77);
  const Case cases[] = {
      {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},   {3, 16, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1},   {5, 17, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1},
      {63, 15, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1}, {64, 32, 5, 17, 3, 3, 1, 1, 1, 1, 1, 1}, {65, 33, 4, 33, 3, 3, 1, 1, 1, 1, 1, 1},
      {130, 48, 3, 14, 3, 3, 1, 1, 0, 0, 0, 0}, {3, 8, 23, 23, 7, 7, 2, 2, 3, 3, 3, 3},  {17, 20, 11, 13, 3, 3, 2, 2, 1, 1, 1, 1},
      {8, 9, 10, 40, 5, 3, 3, 2, 2, 0, 1, 2},  {4, 31, 8, 8, 1, 1, 1, 1, 0, 0, 0, 0},   {6, 5, 9, 35, 1, 1, 2, 2, 0, 0, 0, 0},
      {2, 3, 5, 6, 3, 3, 1, 1, 4, 4, 4, 4},    {9, 7, 12, 19, 4, 2, 1, 3, 0, 3, 1, 0},  {96, 64, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1},
      {16, 24, 12, 20, 3, 3, 1, 1, 2, 0, 1, 2}, {32, 16, 9, 30, 3, 3, 1, 1, 1, 1, 1, 1}, {16, 33, 15, 15, 5, 5, 2, 1, 2, 2, 2, 2},
  };
  for (const Case& c : cases) {
    const eq::LinearGeom g = Geom(c);
    for (int mode = 0; mode < 2; mode++) {
      std::vector<int8_t> x(static_cast<size_t>(c.cin) * c.inH * c.inW), w(static_cast<size_t>(c.cout) * g.K);
      for (auto& v : x) v = static_cast<int8_t>(mode ? (r.Uniform(0, 1) ? 127 : -127) : r.Uniform(-127, 127));
      for (auto& v : w) v = static_cast<int8_t>(mode ? 127 : r.Uniform(-127, 127));
      std::unique_ptr<AmxConv> conv = MakeAmxConv(g, w.data());
      EQ_EXPECT(conv != nullptr) << "MakeAmxConv refused a " << c.kh << "x" << c.kw << " s" << c.sh << c.sw << " conv";
      if (!conv) continue;
      const size_t rs = conv->row_stride();
      const size_t blocks[][2] = {{0, g.outH}, {g.outH / 2, g.outH}, {g.outH - 1, g.outH}};
      // channel blocks: all, the tiles from 16 on, the first tile only (as RunAmxConv splits them)
      const size_t cblocks[][2] = {{0, g.cout}, {g.cout > 16 ? 16 : 0, g.cout}, {0, g.cout < 16 ? g.cout : 16}};
      for (const auto& b : blocks)
        for (const auto& cb : cblocks) {
          const size_t y0 = b[0], y1 = b[1], c0 = cb[0], c1 = cb[1], ld = (y1 - y0) * rs + 3;
          std::vector<int32_t> acc((c1 - c0) * ld, 0x5a5a5a5a);
          std::vector<uint8_t> scratch(conv->scratch_bytes(y1 - y0));  // exact size: ASan sees an overrun
          conv->RunRows(x.data(), y0, y1, c0, c1, acc.data(), ld, scratch.data());
          size_t bad = 0;
          for (size_t co = c0; co < c1; co++)
            for (size_t y = y0; y < y1; y++)
              for (size_t ox = 0; ox < g.outW; ox++)
                if (acc[(co - c0) * ld + (y - y0) * rs + ox] != Naive(g, x, w, co, y, ox) && bad++ == 0)
                  EQ_EXPECT(false) << "cin " << c.cin << " cout " << c.cout << " in " << c.inH << "x" << c.inW << " k" << c.kh << "x" << c.kw << " s"
                                   << c.sh << c.sw << " rows [" << y0 << "," << y1 << ") channels [" << c0 << "," << c1 << ") mode " << mode << ": co " << co
                                   << " y " << y << " x " << ox;
          for (size_t co = c0; co < c1; co++) EQ_EXPECT(acc[(co - c0) * ld + ld - 1] == 0x5a5a5a5a) << "wrote past the row block";
        }
    }
  }
}

EQ_TEST(x86_amx_conv_applicability) {
  Case c{8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1};
  eq::LinearGeom g = Geom(c);
  EQ_EXPECT(AmxConvApplicable(g));
  g.dh = 2;
  EQ_EXPECT(!AmxConvApplicable(g)) << "dilation";
  g.dh = 1;
  g.group = 2;
  EQ_EXPECT(!AmxConvApplicable(g)) << "groups";
  g.group = 1;
  g.conv = false;
  EQ_EXPECT(!AmxConvApplicable(g)) << "gemm";
  if (!eq::IsaAvailable(eq::Isa::kAmx)) {
    g.conv = true;
    EQ_EXPECT(MakeAmxConv(g, std::vector<int8_t>(8 * 8 * 9).data()) == nullptr) << "no AMX here";
  }
}
