// Depthwise padding with a value (the `pad` argument: -z for an input with zero offset z, so a
// padded tap reads the real 0). The scalar kernel against a direct formula on an explicitly
// padded plane (any kernel, stride, dilation); every SIMD kernel (AVX2 and AVX-512 VNNI sums and
// fused int8 output, NEON) bit-exact against the scalar kernel with pad = -63, -127 and random
// values: 3x3 and 5x5 (AVX-512 also up to 8x8), strides 1/2 (mixed per axis where supported),
// asymmetric padding (also wider than the kernel), odd widths, planes narrower and wider than a
// vector step (AVX-512: both the flattened-plane and the row-by-row wide path), channel
// sub-ranges [c0, c1). (pad 0, zero padding as before, is what the older dwconv tests check.)
#include <cstdint>
#include <string>
#include <vector>

#include "dwconv_case.h"
#include "eqtest.h"
#include "kernels/dwconv_s8.h"
#include "kernels/igemm.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

namespace {

using PadCase = eqtest::DwCase;

std::string Describe(const PadCase& c, int8_t pad) { return eqtest::DescribeDw(c) + " value " + std::to_string(pad); }

void Fill(std::vector<int8_t>& v, eqtest::Rng& r, int32_t qmax = 127) {
  for (auto& e : v) e = static_cast<int8_t>(r.Uniform(-qmax, qmax));
}

// The pad values every case runs with: the writer's -qmax for INT7 and INT8, and a random one.
std::vector<int8_t> PadValues(eqtest::Rng& r) { return {-63, -127, static_cast<int8_t>(r.Uniform(-128, 127))}; }

// acc for channels [c0, c1), canary-filled past the end (16 guard values)
std::vector<int32_t> Sums(const DwConvKernel* k, const PadCase& c, const std::vector<int8_t>& x, const std::vector<int8_t>& w, int8_t pad) {
  std::vector<int32_t> acc((c.c1 - c.c0) * c.P() + 16, 0x5a5a5a5a);
  k->run(x.data(), w.data(), c.inH, c.inW, c.outH(), c.outW(), c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.padT, c.padL, pad, c.c0, c.c1, acc.data());
  return acc;
}

size_t Mismatches(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t bad = 0;
  for (size_t i = 0; i < a.size(); i++) bad += a[i] != b[i];
  return bad;
}

// `k` against the scalar kernel with each pad value, on fresh random data
void CheckAgainstScalar(const DwConvKernel* k, const PadCase& c, eqtest::Rng& r) {
  std::vector<int8_t> x(c.C * c.inH * c.inW), w(c.C * c.kh * c.kw);
  Fill(x, r);
  Fill(w, r);
  for (int8_t pad : PadValues(r)) {
    const size_t bad = Mismatches(Sums(DwConvScalar(), c, x, w, pad), Sums(k, c, x, w, pad));
    EQ_EXPECT(bad == 0) << k->name << " " << Describe(c, pad) << ": " << bad << " wrong";
  }
}

PadCase Simple(uint32_t inH, uint32_t inW, uint32_t k, uint32_t sh, uint32_t sw, uint32_t t, uint32_t l, uint32_t b, uint32_t rr, size_t C = 3) {
  return {inH, inW, k, k, sh, sw, 1, 1, t, l, b, rr, C, C > 2 ? 1u : 0u, C};
}

// 3x3 / 5x5, strides 1/2, asymmetric pads, odd and wide widths (mixed strides if `mixed`)
std::vector<PadCase> FixedCases(bool mixed) {
  std::vector<PadCase> cs;
  for (uint32_t k : {3u, 5u})
    for (uint32_t sh : {1u, 2u})
      for (uint32_t sw : {1u, 2u}) {
        if (!mixed && sh != sw) continue;
        for (uint32_t inW : {1u, 5u, 7u, 13u, 14u, 17u, 33u, 57u, 112u, 150u}) {
          const uint32_t inH = inW == 1 ? 3 : inW > 60 ? 9 : 11;
          const uint32_t pads[][4] = {{k / 2, k / 2, k / 2, k / 2}, {0, 0, 1, 1}, {0, 1, k - 1, 0}, {k, k - 1, 1, k}, {2, 0, 0, 3}};
          for (const auto& p : pads) {
            const PadCase c = Simple(inH, inW, k, sh, sw, p[0], p[1], p[2], p[3]);
            if (c.valid()) cs.push_back(c);
          }
        }
      }
  return cs;
}

PadCase RandomCase(eqtest::Rng& r, uint32_t max_k, bool square_k, bool mixed, uint32_t max_w) {
  PadCase c;
  c.kw = r.Uniform(0, 1) ? (r.Uniform(0, 1) ? 3 : 5) : r.Uniform(1, static_cast<int32_t>(max_k));
  if (square_k && c.kw != 3 && c.kw != 5) c.kw = 3;
  c.kh = square_k || r.Uniform(0, 1) ? c.kw : r.Uniform(1, static_cast<int32_t>(max_k));
  c.sh = r.Uniform(1, 2);
  c.sw = mixed && r.Uniform(0, 3) == 0 ? 3 - c.sh : c.sh;
  c.dh = c.dw = 1;
  c.inH = r.Uniform(1, 24);
  c.inW = r.Uniform(1, static_cast<int32_t>(max_w));
  c.padT = r.Uniform(0, 6);
  c.padL = r.Uniform(0, 6);
  c.padB = r.Uniform(0, 6);
  c.padR = r.Uniform(0, 6);
  c.C = r.Uniform(1, 19);
  c.c0 = r.Uniform(0, static_cast<int32_t>(c.C) - 1);
  c.c1 = r.Uniform(static_cast<int32_t>(c.c0) + 1, static_cast<int32_t>(c.C));
  return c;
}

}  // namespace

EQ_TEST(dwconv_scalar_pad_matches_formula) {
  // the scalar kernel against a valid convolution over an explicitly padded plane
  eqtest::Rng r(71);
  for (int it = 0; it < 300; it++) {
    PadCase c;
    c.kh = r.Uniform(1, 6);
    c.kw = r.Uniform(1, 6);
    c.sh = r.Uniform(1, 3);
    c.sw = r.Uniform(1, 3);
    c.dh = r.Uniform(1, 2);
    c.dw = r.Uniform(1, 2);
    c.inH = r.Uniform(1, 12);
    c.inW = r.Uniform(1, 19);
    c.padT = r.Uniform(0, 4);
    c.padL = r.Uniform(0, 4);
    c.padB = r.Uniform(0, 4);
    c.padR = r.Uniform(0, 4);
    c.C = r.Uniform(1, 4);
    c.c0 = r.Uniform(0, static_cast<int32_t>(c.C) - 1);
    c.c1 = c.C;
    if (!c.valid()) continue;
    std::vector<int8_t> x(c.C * c.inH * c.inW), w(c.C * c.kh * c.kw);
    Fill(x, r);
    Fill(w, r);
    const size_t PH = c.inH + c.padT + c.padB, PW = c.inW + c.padL + c.padR, P = c.P();
    for (int8_t pad : PadValues(r)) {
      std::vector<int32_t> want((c.c1 - c.c0) * P + 16, 0x5a5a5a5a);
      std::vector<int32_t> plane(PH * PW);
      for (size_t ch = c.c0; ch < c.c1; ch++) {
        for (size_t y = 0; y < PH; y++)
          for (size_t xx = 0; xx < PW; xx++) {
            const bool in = y >= c.padT && y < c.padT + c.inH && xx >= c.padL && xx < c.padL + c.inW;
            plane[y * PW + xx] = in ? x[(ch * c.inH + y - c.padT) * c.inW + xx - c.padL] : pad;
          }
        for (size_t oy = 0; oy < c.outH(); oy++)
          for (size_t ox = 0; ox < c.outW(); ox++) {
            int32_t s = 0;
            for (size_t ky = 0; ky < c.kh; ky++)
              for (size_t kx = 0; kx < c.kw; kx++)
                s += plane[(oy * c.sh + ky * c.dh) * PW + ox * c.sw + kx * c.dw] * w[ch * c.kh * c.kw + ky * c.kw + kx];
            want[(ch - c.c0) * P + oy * c.outW() + ox] = s;
          }
      }
      const size_t bad = Mismatches(want, Sums(DwConvScalar(), c, x, w, pad));
      EQ_EXPECT(bad == 0) << "scalar " << Describe(c, pad) << ": " << bad << " wrong";
    }
  }
}

EQ_TEST(dwconv_scalar_pad_reads_value) {
  // a 1x1 input, 3x3 kernel, pad 1: the single output is x * w[4] + pad * (sum(w) - w[4])
  const std::vector<int8_t> x{5}, w{1, 2, 3, 4, 10, 6, 7, 8, 9};
  int32_t acc = 0;
  DwConvScalar()->run(x.data(), w.data(), 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, -127, 0, 1, &acc);
  EQ_EXPECT(acc == 50 - 127 * 40) << acc;
  DwConvScalar()->run(x.data(), w.data(), 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1, &acc);
  EQ_EXPECT(acc == 50) << acc;
}

#if defined(EQ_HAVE_AVX2)
namespace {

// A fused int8 kernel (DwConvS8Avx2, DwConvS8Avx2Int7, DwConvS8Avx512) with `pad` against scalar
// sums + OutputStageS8 (the unfused pair); values within +-qmax (the pads are any byte: the INT7
// kernel hands those outside its range to the general one)
void CheckFusedPad(DwConvS8Fn fused, const PadCase& c, eqtest::Rng& r, int32_t qmax = 127) {
  std::vector<int8_t> x(c.C * c.inH * c.inW), w(c.C * c.kh * c.kw);
  Fill(x, r, qmax);
  Fill(w, r, qmax);
  const size_t P = c.P();
  std::vector<int32_t> bias(c.C);
  std::vector<float> mult(c.C);
  std::vector<double> tap_mult(c.C, 1.0);
  for (size_t i = 0; i < c.C; i++) {
    bias[i] = r.Uniform(-30000, 30000);
    mult[i] = static_cast<float>(r.Uniform(1, 4000)) / static_cast<float>(c.kh * c.kw * 127 * 64);
  }
  OutputStage s{bias.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
  s.zero = r.Uniform(0, 1) ? 0 : 127;
  for (int8_t pad : PadValues(r)) {
    std::vector<int32_t> acc = Sums(DwConvScalar(), c, x, w, pad);
    std::vector<int8_t> want(c.C * P + 64, 0x5a), got = want;
    size_t bad_channel = 0;
    EQ_EXPECT(OutputStageS8(acc.data(), P, c.c0, c.c1 - c.c0, 0, P, s, want.data(), P, 1, nullptr, &bad_channel)) << Describe(c, pad);
    const bool ran = fused(x.data(), w.data(), c.inH, c.inW, c.outH(), c.outW(), c.kh, c.kw, c.sh, c.sw, c.padT, c.padL, pad, c.c0, c.c1, s,
                                    got.data());
    EQ_EXPECT(ran) << Describe(c, pad);
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];
    EQ_EXPECT(bad == 0) << "fused " << Describe(c, pad) << " zero " << s.zero << ": " << bad << " wrong";
  }
}

}  // namespace

EQ_TEST(x86_dwconv_avx2_pad_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(72);
  for (const PadCase& c : FixedCases(true)) {
    CheckAgainstScalar(DwConvAvx2(), c, r);
    CheckFusedPad(DwConvS8Avx2, c, r);
    CheckFusedPad(DwConvS8Avx2Int7, c, r, 63);
  }
  for (int it = 0; it < 200; it++) {
    const PadCase c = RandomCase(r, 5, true, true, it % 4 == 0 ? 150 : 40);
    if (!c.valid()) continue;
    CheckAgainstScalar(DwConvAvx2(), c, r);
    CheckFusedPad(DwConvS8Avx2, c, r);
    CheckFusedPad(DwConvS8Avx2Int7, c, r, 63);
  }
}
#endif

#if defined(EQ_HAVE_AVX512VNNI)
EQ_TEST(x86_dwconv_avx512_pad_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  eqtest::Rng r(73);
  for (const PadCase& c : FixedCases(true)) {
    CheckAgainstScalar(DwConvAvx512(), c, r);
    CheckFusedPad(DwConvS8Avx512, c, r);
  }
  for (int it = 0; it < 300; it++) {
    const PadCase c = RandomCase(r, 8, false, true, it % 4 == 0 ? 150 : 40);
    if (!c.valid()) continue;
    CheckAgainstScalar(DwConvAvx512(), c, r);
    CheckFusedPad(DwConvS8Avx512, c, r);
  }
}

EQ_TEST(x86_dwconv_avx512_pad_flat_and_wide_planes) {
  // MobileNet planes: 7x7 and 14x14 take the fused kernel's flattened-plane path, 112 and 150
  // wide ones the row-by-row path with several 64-output steps per row
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  eqtest::Rng r(74);
  for (uint32_t in : {7u, 14u, 28u, 112u, 150u})
    for (uint32_t k : {3u, 5u})
      for (uint32_t s : {1u, 2u}) {
        const PadCase same = Simple(in, in, k, s, s, k / 2, k / 2, k / 2, k / 2, 5);
        const PadCase tf = Simple(in, in + 1, k, s, s, 0, 0, k - 1, k - 1, 4);  // TF "SAME" at stride 2: after only
        for (const PadCase& c : {same, tf}) {
          CheckAgainstScalar(DwConvAvx512(), c, r);
          CheckFusedPad(DwConvS8Avx512, c, r);
        }
      }
}
#endif

#if defined(EQ_HAVE_NEON)
EQ_TEST(arm_dwconv_neon_pad_matches_scalar) {
  eqtest::Rng r(75);
  for (const PadCase& c : FixedCases(false)) CheckAgainstScalar(DwConvNeon(), c, r);
  for (int it = 0; it < 150; it++) {
    const PadCase c = RandomCase(r, 5, true, false, it % 4 == 0 ? 150 : 40);
    if (c.valid()) CheckAgainstScalar(DwConvNeon(), c, r);
  }
}
#endif
