// DwConvAvx2 against DwConvScalar: 3x3 and 5x5, strides 1/2 (also mixed per axis), symmetric
// and asymmetric padding (including padding wider than the kernel), planes narrower and wider
// than the 16-output step, channel sub-ranges [c0, c1), random and all-±qmax values.
#include <string>
#include <vector>

#include "eqtest.h"
#include "kernels/igemm.h"

using namespace eq::kernels;

#if defined(EQ_HAVE_AVX2)
namespace {

struct Geo {
  uint32_t inH, inW, k, sh, sw, padT, padL, padB, padR;
};

void Check(const Geo& g, size_t C, size_t c0, size_t c1, int32_t qmax, bool extreme, eqtest::Rng& r) {
  if (g.inH + g.padT + g.padB < g.k || g.inW + g.padL + g.padR < g.k) return;
  const uint32_t outH = (g.inH + g.padT + g.padB - g.k) / g.sh + 1, outW = (g.inW + g.padL + g.padR - g.k) / g.sw + 1;
  std::vector<int8_t> x(C * g.inH * g.inW), w(C * g.k * g.k);
  for (auto& v : x) v = static_cast<int8_t>(extreme ? (r.Uniform(0, 1) ? qmax : -qmax) : r.Uniform(-qmax, qmax));
  for (auto& v : w) v = static_cast<int8_t>(extreme ? (r.Uniform(0, 1) ? qmax : -qmax) : r.Uniform(-qmax, qmax));
  const size_t P = static_cast<size_t>(outH) * outW;
  std::vector<int32_t> want((c1 - c0) * P + 8, 0x5a5a5a5a), got = want;
  DwConvScalar()->run(x.data(), w.data(), g.inH, g.inW, outH, outW, g.k, g.k, g.sh, g.sw, 1, 1, g.padT, g.padL, 0, c0, c1, want.data());
  DwConvAvx2()->run(x.data(), w.data(), g.inH, g.inW, outH, outW, g.k, g.k, g.sh, g.sw, 1, 1, g.padT, g.padL, 0, c0, c1, got.data());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];  // includes the guard tail
  EQ_EXPECT(bad == 0) << "in=" << g.inH << "x" << g.inW << " k=" << g.k << " s=" << g.sh << "," << g.sw << " pad=" << g.padT << "," << g.padL << ","
                      << g.padB << "," << g.padR << " C=" << C << " [" << c0 << "," << c1 << ") qmax=" << qmax << (extreme ? " extreme" : "") << ": "
                      << bad << " wrong";
}

}  // namespace

EQ_TEST(x86_dwconv_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(41);
  for (uint32_t k : {3u, 5u})
    for (uint32_t s : {1u, 2u})
      for (uint32_t in : {1u, 2u, 5u, 7u, 14u, 17u, 33u, 56u})
        for (uint32_t pad : {0u, 1u, 2u, 3u}) {
          const int32_t qmax = r.Uniform(0, 1) ? 127 : 63;
          Check({in, in, k, s, s, pad, pad, pad, pad}, 3, 0, 3, qmax, false, r);
          Check({in, in + 3, k, s, s, pad, pad, pad, pad}, 2, 0, 2, qmax, r.Uniform(0, 2) == 0, r);
        }
}

EQ_TEST(x86_dwconv_asymmetric_pads_mixed_strides_channel_ranges) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(42);
  for (int it = 0; it < 300; it++) {
    Geo g;
    g.k = r.Uniform(0, 1) ? 3 : 5;
    g.sh = r.Uniform(1, 2);
    g.sw = r.Uniform(1, 2);
    g.inH = r.Uniform(1, 40);
    g.inW = r.Uniform(1, 70);
    g.padT = r.Uniform(0, 6);
    g.padL = r.Uniform(0, 6);
    g.padB = r.Uniform(0, 6);
    g.padR = r.Uniform(0, 6);
    const size_t C = r.Uniform(1, 13), c0 = r.Uniform(0, static_cast<int32_t>(C) - 1), c1 = r.Uniform(static_cast<int32_t>(c0) + 1, static_cast<int32_t>(C));
    Check(g, C, c0, c1, r.Uniform(0, 1) ? 127 : 63, r.Uniform(0, 3) == 0, r);
  }
}

EQ_TEST(x86_dwconv_extremes_same_sign) {
  // every product +127*127 (or -): the largest possible sums
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  for (uint32_t k : {3u, 5u})
    for (uint32_t s : {1u, 2u})
      for (int sign : {1, -1}) {
        const uint32_t in = 23;
        std::vector<int8_t> x(2 * in * in, static_cast<int8_t>(127)), w(2 * k * k, static_cast<int8_t>(127 * sign));
        const uint32_t out = (in + 2 - k) / s + 1;
        std::vector<int32_t> want(2 * out * out), got(2 * out * out);
        DwConvScalar()->run(x.data(), w.data(), in, in, out, out, k, k, s, s, 1, 1, 1, 1, 0, 0, 2, want.data());
        DwConvAvx2()->run(x.data(), w.data(), in, in, out, out, k, k, s, s, 1, 1, 1, 1, 0, 0, 2, got.data());
        EQ_EXPECT(want == got) << "k=" << k << " s=" << s << " sign=" << sign;
      }
}

EQ_TEST(x86_dwconv_selection) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 3, 3, 1, 1, 1, 1) == DwConvAvx2());
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 5, 5, 2, 2, 1, 1) == DwConvAvx2());
  EQ_EXPECT(SelectDwConv(eq::Isa::kScalar, 3, 3, 1, 1, 1, 1) == DwConvScalar());
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 3, 3, 1, 1, 2, 2) == DwConvScalar()) << "dilation 2";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 7, 7, 1, 1, 1, 1) == DwConvScalar()) << "7x7";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 3, 3, 3, 3, 1, 1) == DwConvScalar()) << "stride 3";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 3, 5, 1, 1, 1, 1) == DwConvScalar()) << "3x5";
}
#endif
