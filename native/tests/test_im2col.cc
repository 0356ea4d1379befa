// The fast im2col variants (Im2ColS8BlockRows everywhere, Im2ColS8BlockNeon on ARM,
// Im2ColS8BlockAvx2 on x86, Im2ColS8BlockVbmi on x86 CPUs with AVX-512 VBMI) byte-exact
// against the reference Im2ColS8Block: kernel sizes 1..7,
// strides 1, 2 and 3, dilation, asymmetric pads wider than the kernel reach, groups, row widths
// around the 8/16-byte store sizes, and column blocks [p0, p1) that start and end mid-row (as
// the GEMM's per-thread blocks do). The destination is canary-filled past the block.
#include <vector>

#include "eqtest.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

namespace {

eq::LinearGeom Geom(uint32_t cin, uint32_t group, uint32_t inH, uint32_t inW, uint32_t k, uint32_t s, uint32_t d, uint32_t padT, uint32_t padL, uint32_t padB,
                    uint32_t padR) {
  eq::LinearGeom g;
  g.cin = cin;
  g.cout = group * 2;
  g.group = group;
  g.kh = g.kw = k;
  g.sh = g.sw = s;
  g.dh = g.dw = d;
  g.padT = padT;
  g.padL = padL;
  g.inH = inH;
  g.inW = inW;
  g.outH = (inH + padT + padB - (k - 1) * d - 1) / s + 1;
  g.outW = (inW + padL + padR - (k - 1) * d - 1) / s + 1;
  g.K = cin / group * k * k;
  g.P = g.outH * g.outW;
  return g;
}

}  // namespace

EQ_TEST(im2col_variants_match_reference) {
  struct Variant {
    const char* name;
    Im2ColBlockFn fn;
  };
  const Variant variants[] = {
    {"rows", &Im2ColS8BlockRows},
#if defined(EQ_HAVE_AVX2)
    {"avx2", &Im2ColS8BlockAvx2},
#endif
#if defined(EQ_HAVE_NEON)
    {"neon", &Im2ColS8BlockNeon},
#endif
#if defined(EQ_HAVE_AVX512VNNI)
    {"vbmi", eq::CpuHasAvx512Vbmi() ? &Im2ColS8BlockVbmi : nullptr},
#endif
  };
  eqtest::Rng r(93);
  struct C {
    uint32_t cin, group, inH, inW, k, s, d, pt, pl, pb, pr;
  };
  const C cases[] = {
      {3, 1, 9, 9, 3, 1, 1, 1, 1, 1, 1},     {4, 1, 7, 56, 3, 1, 1, 1, 1, 1, 1},  {2, 1, 13, 17, 3, 2, 1, 1, 1, 1, 1}, {3, 1, 23, 45, 7, 2, 1, 3, 3, 3, 3},
      {2, 2, 11, 15, 3, 1, 2, 2, 2, 2, 2},   {4, 2, 10, 33, 5, 1, 1, 2, 0, 1, 3}, {2, 1, 9, 40, 3, 3, 1, 0, 1, 2, 0},  {1, 1, 5, 6, 3, 1, 1, 4, 4, 4, 4},
      {2, 1, 8, 71, 1, 2, 1, 0, 0, 0, 0},    {3, 1, 6, 24, 2, 1, 1, 0, 0, 1, 1},  {2, 1, 6, 8, 3, 1, 1, 1, 1, 1, 1},   {1, 1, 4, 100, 3, 2, 1, 1, 1, 1, 1},
      {2, 1, 15, 15, 3, 2, 1, 0, 0, 0, 0},  {5, 1, 7, 7, 3, 1, 1, 1, 1, 1, 1},    {3, 1, 14, 14, 3, 1, 1, 1, 1, 1, 1},
      {2, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1},    {2, 1, 12, 19, 5, 1, 2, 0, 3, 1, 0},   {1, 1, 3, 33, 3, 1, 1, 2, 2, 0, 0},   {3, 1, 17, 29, 3, 2, 2, 2, 1, 2, 3},  {2, 1, 19, 31, 5, 3, 2, 1, 4, 0, 2},
      // rows wider than one 64-column piece (VBMI: several pieces per row; 7x7/2: 61 columns a piece)
      {2, 1, 6, 230, 7, 2, 1, 3, 3, 3, 3},  {2, 1, 5, 150, 3, 1, 1, 1, 1, 1, 1},  {1, 1, 4, 300, 3, 3, 1, 0, 2, 0, 1},  {1, 1, 6, 140, 3, 1, 9, 9, 9, 9, 9},
      // many channels on small maps (the rows variant's per-block segment list, reused per channel)
      {301, 1, 14, 14, 3, 2, 1, 1, 1, 1, 1}, {70, 1, 14, 14, 3, 1, 1, 1, 1, 1, 1}, {2 * 97, 2, 9, 9, 3, 1, 1, 1, 1, 1, 1},
  };
  for (const C& c : cases) {
    const eq::LinearGeom g = Geom(c.cin, c.group, c.inH, c.inW, c.k, c.s, c.d, c.pt, c.pl, c.pb, c.pr);
    std::vector<int8_t> x(static_cast<size_t>(c.cin) * c.inH * c.inW);
    for (auto& v : x) v = static_cast<int8_t>(r.Uniform(-128, 127));
    for (uint32_t gi = 0; gi < c.group; gi++) {
      const size_t blocks[][2] = {{0, g.P}, {0, 1}, {1, g.P - 1}, {g.outW / 2, g.P}, {g.P / 3, g.P / 3 + g.outW + 5 > g.P ? g.P : g.P / 3 + g.outW + 5}};
      for (const auto& bl : blocks) {
        const size_t p0 = bl[0], p1 = bl[1];
        if (p1 <= p0) continue;
        std::vector<int8_t> want(g.K * (p1 - p0) + 32, 0x5a);
        Im2ColS8Block(x.data(), g, gi, p0, p1, want.data());
        for (const Variant& v : variants) {
        if (!v.fn) continue;  // not on this CPU
        std::vector<int8_t> got(want.size(), 0x5a);
        v.fn(x.data(), g, gi, p0, p1, got.data());
        EQ_EXPECT(want == got) << v.name << ": in " << c.inH << "x" << c.inW << " k" << c.k << " s" << c.s << " d" << c.d << " pads " << c.pt << "," << c.pl << ","
                               << c.pb << "," << c.pr << " group " << gi << " block [" << p0 << "," << p1 << ")";
        }
      }
    }
  }
}

EQ_TEST(im2col_selected_per_level) {
  EQ_EXPECT(SelectIm2ColBlock(eq::Isa::kScalar) == &Im2ColS8Block);
#if defined(EQ_HAVE_NEON)
  EQ_EXPECT(SelectIm2ColBlock(eq::Isa::kNeon) == &Im2ColS8BlockNeon);
#endif
#if defined(EQ_HAVE_AVX2)
  EQ_EXPECT(SelectIm2ColBlock(eq::Isa::kAvx2) == &Im2ColS8BlockAvx2);
#endif
#if defined(EQ_HAVE_AVX512VNNI)
  if (eq::IsaAvailable(eq::Isa::kAvx512Vnni))
    EQ_EXPECT(SelectIm2ColBlock(eq::Isa::kAvx512Vnni) == (eq::CpuHasAvx512Vbmi() ? &Im2ColS8BlockVbmi : &Im2ColS8BlockAvx2));
#endif
}

