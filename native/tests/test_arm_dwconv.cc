// ARM depthwise kernel (DwConvNeon) bit-exact against the scalar reference: 3×3 and 5×5,
// stride 1 and 2, pads 0..K, widths that are not multiples of 8 (tail vectors), channel
// sub-ranges [c0, c1), extremes (x = -128 included: the NEON kernel widens to int16, so it
// has no qmax precondition), and the supports() geometry filter. Compiled in on aarch64 only.
#if defined(EQ_HAVE_NEON)

#include <vector>

#include "eqtest.h"
#include "kernels/igemm.h"

using namespace eq::kernels;

namespace {

struct DwCase {
  uint32_t C, inH, inW, k, s, padT, padL, padB, padR;
};

// Runs `kern` on channels [c0, c1) and returns the acc buffer (canary-filled past the end).
std::vector<int32_t> RunDw(const DwConvKernel* kern, const std::vector<int8_t>& x, const std::vector<int8_t>& w, const DwCase& d, uint32_t outH, uint32_t outW,
                           size_t c0, size_t c1) {
  const size_t P = static_cast<size_t>(outH) * outW;
  std::vector<int32_t> acc((c1 - c0) * P + 8, 0x5a5a5a5a);
  kern->run(x.data(), w.data(), d.inH, d.inW, outH, outW, d.k, d.k, d.s, d.s, 1, 1, d.padT, d.padL, 0, c0, c1, acc.data());
  return acc;
}

void CheckCase(const DwCase& d, eqtest::Rng& r, int mode) {
  const uint32_t outH = (d.inH + d.padT + d.padB - d.k) / d.s + 1, outW = (d.inW + d.padL + d.padR - d.k) / d.s + 1;
  std::vector<int8_t> x(static_cast<size_t>(d.C) * d.inH * d.inW), w(static_cast<size_t>(d.C) * d.k * d.k);
  for (auto& v : x) v = static_cast<int8_t>(mode == 0 ? r.Uniform(-127, 127) : mode == 1 ? (r.Uniform(0, 1) ? 127 : -128) : r.Uniform(-63, 63));
  for (auto& v : w) v = static_cast<int8_t>(mode == 0 ? r.Uniform(-127, 127) : mode == 1 ? (r.Uniform(0, 1) ? 127 : -127) : r.Uniform(-63, 63));
  const size_t c0 = d.C > 2 ? 1 : 0, c1 = d.C;  // a sub-range: the kernel must index from c0
  const std::vector<int32_t> want = RunDw(DwConvScalar(), x, w, d, outH, outW, c0, c1);
  const std::vector<int32_t> got = RunDw(DwConvNeon(), x, w, d, outH, outW, c0, c1);
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];  // includes the canaries
  EQ_EXPECT(bad == 0) << "k=" << d.k << " s=" << d.s << " C=" << d.C << " in=" << d.inH << "x" << d.inW << " pad=" << d.padT << "," << d.padL << ","
                      << d.padB << "," << d.padR << " mode=" << mode << ": " << bad << " wrong";
}

}  // namespace

EQ_TEST(arm_dwconv_neon_supports_only_its_geometries) {
  const DwConvKernel* k = DwConvNeon();
  EQ_EXPECT(k->supports(3, 3, 1, 1, 1, 1) && k->supports(3, 3, 2, 2, 1, 1) && k->supports(5, 5, 1, 1, 1, 1) && k->supports(5, 5, 2, 2, 1, 1));
  EQ_EXPECT(!k->supports(3, 3, 1, 1, 2, 2)) << "dilation 2";
  EQ_EXPECT(!k->supports(3, 3, 1, 2, 1, 1)) << "mixed stride";
  EQ_EXPECT(!k->supports(3, 5, 1, 1, 1, 1)) << "3x5";
  EQ_EXPECT(!k->supports(7, 7, 1, 1, 1, 1)) << "7x7";
  EQ_EXPECT(!k->supports(3, 3, 3, 3, 1, 1)) << "stride 3";
  EQ_EXPECT(SelectDwConv(eq::Isa::kNeon, 3, 3, 2, 2, 1, 1) == k);
  EQ_EXPECT(SelectDwConv(eq::Isa::kNeon, 3, 3, 1, 1, 2, 2) == DwConvScalar());
  EQ_EXPECT(SelectDwConv(eq::Isa::kScalar, 3, 3, 1, 1, 1, 1) == DwConvScalar());
}

EQ_TEST(arm_dwconv_neon_matches_scalar) {
  eqtest::Rng r(31);
  for (uint32_t k : {3u, 5u})
    for (uint32_t s : {1u, 2u})
      for (uint32_t inW : {1u, 5u, 8u, 13u, 17u, 33u}) {
        const uint32_t inH = inW == 1 ? 3 : 7;
        const uint32_t pads[][4] = {{0, 0, 0, 0}, {k / 2, k / 2, k / 2, k / 2}, {0, 1, k - 1, 0}, {k, k - 1, 1, k}};
        for (const auto& p : pads) {
          const DwCase d{4, inH, inW, k, s, p[0], p[1], p[2], p[3]};
          if (d.inH + d.padT + d.padB < k || d.inW + d.padL + d.padR < k) continue;
          for (int mode = 0; mode < 3; mode++) CheckCase(d, r, mode);
        }
      }
}

EQ_TEST(arm_dwconv_neon_mobilenet_shapes) {
  // the depthwise layers of MobileNet (v1 0.25 / v2) at a small input: 3×3, pad 1, s1 and s2
  eqtest::Rng r(32);
  const DwCase cases[] = {{16, 28, 28, 3, 2, 0, 0, 1, 1}, {8, 28, 28, 3, 1, 1, 1, 1, 1}, {16, 14, 14, 3, 1, 1, 1, 1, 1},
                          {16, 14, 14, 3, 2, 1, 1, 1, 1}, {8, 7, 7, 3, 1, 1, 1, 1, 1},    {8, 20, 20, 5, 1, 2, 2, 2, 2},
                          {8, 21, 19, 5, 2, 2, 2, 2, 2}};
  for (const DwCase& d : cases) CheckCase(d, r, 0);
}

#endif  // EQ_HAVE_NEON
