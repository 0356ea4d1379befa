// The fused int8 depthwise kernels (DwConvS8Avx2, DwConvS8Avx2Int7, DwConvS8Avx512) against DwConvScalar +
// OutputStageS8, and DwConvAvx512's int32 sums against DwConvScalar: random kh x kw (AVX-512 up
// to 8x8; AVX2 3x3 and 5x5), strides 1/2 per axis, asymmetric padding (also wider than the
// kernel), odd widths, planes narrower and wider than the vector step (AVX-512: both the
// row-by-row and the flattened-plane paths), channel counts that are not multiples of 16 and
// sub-ranges [c0, c1), INT8 and INT7 values, all-±qmax extremes, ReLU/ReLU6/Clip clamps, output
// zero offsets 63 and 127, and a bias near the int32 limit (the kernel declines, writing nothing).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dwconv_case.h"
#include "eqtest.h"
#include "kernels/dwconv_s8.h"
#include "kernels/igemm.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

#if defined(EQ_HAVE_AVX2)
namespace {

struct Case : eqtest::DwCase {
  int32_t qmax = 127;
  bool extreme = false;
};

std::string Describe(const Case& c) { return eqtest::DescribeDw(c) + " qmax=" + std::to_string(c.qmax) + (c.extreme ? " extreme" : ""); }

// square35: 3x3 and 5x5 kernels only (the AVX2 kernels' geometries)
Case RandomCase(eqtest::Rng& r, uint32_t max_w, bool square35 = false) {
  Case c;
  c.kh = r.Uniform(1, 8);
  c.kw = r.Uniform(0, 2) ? (r.Uniform(0, 1) ? 3 : 5) : r.Uniform(1, 8);
  if (r.Uniform(0, 1) || square35) c.kh = c.kw = square35 ? (r.Uniform(0, 1) ? 3 : 5) : c.kw;
  c.sh = r.Uniform(1, 2);
  c.sw = r.Uniform(0, 3) ? c.sh : 3 - c.sh;
  c.inH = r.Uniform(1, 24);
  c.inW = r.Uniform(1, static_cast<int32_t>(max_w));
  c.padT = r.Uniform(0, 5);
  c.padL = r.Uniform(0, 5);
  c.padB = r.Uniform(0, 5);
  c.padR = r.Uniform(0, 5);
  c.C = r.Uniform(1, 37);
  c.c0 = r.Uniform(0, static_cast<int32_t>(c.C) - 1);
  c.c1 = r.Uniform(static_cast<int32_t>(c.c0) + 1, static_cast<int32_t>(c.C));
  c.qmax = r.Uniform(0, 1) ? 127 : 63;
  c.extreme = r.Uniform(0, 4) == 0;
  return c;
}

void Fill(std::vector<int8_t>& v, int32_t qmax, bool extreme, eqtest::Rng& r) {
  for (auto& e : v) e = static_cast<int8_t>(extreme ? (r.Uniform(0, 1) ? qmax : -qmax) : r.Uniform(-qmax, qmax));
}

#if defined(EQ_HAVE_AVX512VNNI)
void CheckSums(const Case& c, eqtest::Rng& r) {
  std::vector<int8_t> x(c.C * c.inH * c.inW), w(c.C * c.kh * c.kw);
  Fill(x, c.qmax, c.extreme, r);
  Fill(w, c.qmax, c.extreme, r);
  const size_t P = static_cast<size_t>(c.outH()) * c.outW();
  std::vector<int32_t> want((c.c1 - c.c0) * P + 16, 0x5a5a5a5a), got = want;
  DwConvScalar()->run(x.data(), w.data(), c.inH, c.inW, c.outH(), c.outW(), c.kh, c.kw, c.sh, c.sw, 1, 1, c.padT, c.padL, 0, c.c0, c.c1, want.data());
  DwConvAvx512()->run(x.data(), w.data(), c.inH, c.inW, c.outH(), c.outW(), c.kh, c.kw, c.sh, c.sw, 1, 1, c.padT, c.padL, 0, c.c0, c.c1, got.data());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];  // includes the guard tail
  EQ_EXPECT(bad == 0) << "sums " << Describe(c) << ": " << bad << " wrong";
}
#endif

// clamp ranges of no activation, ReLU, ReLU6-like and a Clip that cuts both sides
void PickClamp(int32_t qmax, eqtest::Rng& r, int32_t* lo, int32_t* hi) {
  switch (r.Uniform(0, 3)) {
    case 0: *lo = -qmax - (qmax == 127 ? 1 : 0), *hi = qmax; break;
    case 1: *lo = 0, *hi = qmax; break;
    case 2: *lo = 0, *hi = r.Uniform(20, qmax); break;
    default: *lo = -r.Uniform(5, 40), *hi = r.Uniform(5, 60); break;
  }
}

// zero: the output's zero offset (OutputStage::zero), subtracted after rounding in both paths
void CheckFused(DwConvS8Fn fused, const Case& c, eqtest::Rng& r, int32_t zero = 0) {
  std::vector<int8_t> x(c.C * c.inH * c.inW), w(c.C * c.kh * c.kw);
  Fill(x, c.qmax, c.extreme, r);
  Fill(w, c.qmax, c.extreme, r);
  const size_t P = static_cast<size_t>(c.outH()) * c.outW();
  std::vector<int32_t> bias(c.C);
  std::vector<float> mult(c.C);
  std::vector<double> tap_mult(c.C, 1.0);
  for (size_t i = 0; i < c.C; i++) {
    bias[i] = r.Uniform(-30000, 30000);
    mult[i] = static_cast<float>(r.Uniform(1, 4000)) / static_cast<float>(c.kh * c.kw * c.qmax * 64);
  }
  OutputStage s{bias.data(), mult.data(), tap_mult.data(), 0, 0, false, 0, 0};
  PickClamp(c.qmax, r, &s.lo, &s.hi);
  s.zero = zero;
  std::vector<int32_t> acc((c.c1 - c.c0) * P);
  DwConvScalar()->run(x.data(), w.data(), c.inH, c.inW, c.outH(), c.outW(), c.kh, c.kw, c.sh, c.sw, 1, 1, c.padT, c.padL, 0, c.c0, c.c1, acc.data());
  // the whole output tensor plus a guard: channels outside [c0, c1) must stay untouched
  std::vector<int8_t> want(c.C * P + 64, 0x5a), got = want;
  size_t bad_channel = 0;
  EQ_EXPECT(OutputStageS8(acc.data(), P, c.c0, c.c1 - c.c0, 0, P, s, want.data(), P, 1, nullptr, &bad_channel)) << Describe(c);
  const bool ran = fused(x.data(), w.data(), c.inH, c.inW, c.outH(), c.outW(), c.kh, c.kw, c.sh, c.sw, c.padT, c.padL, 0, c.c0, c.c1, s, got.data());
  EQ_EXPECT(ran) << Describe(c);
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];
  EQ_EXPECT(bad == 0) << "fused " << Describe(c) << " clamp [" << s.lo << "," << s.hi << "] zero " << zero << ": " << bad << " wrong";
}

// The fused kernels this CPU runs, with the name a failure reports and whether the random cases
// are restricted to 3x3 and 5x5.
// max_qmax: the INT7 kernel only runs values within +-63.
struct Fused {
  const char* name;
  DwConvS8Fn fn;
  bool square35;
  int32_t max_qmax = 127;
};
std::vector<Fused> FusedKernels() {
  std::vector<Fused> k;
  if (eq::IsaAvailable(eq::Isa::kAvx2)) k.push_back({"avx2", DwConvS8Avx2, true}), k.push_back({"avx2-int7", DwConvS8Avx2Int7, true, 63});
#if defined(EQ_HAVE_AVX512VNNI)
  if (eq::IsaAvailable(eq::Isa::kAvx512Vnni)) k.push_back({"avx512", DwConvS8Avx512, false});
#endif
  return k;
}

}  // namespace

#if defined(EQ_HAVE_AVX512VNNI)
EQ_TEST(x86_dwconv_avx512_sums_match_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  eqtest::Rng r(51);
  for (int it = 0; it < 400; it++) {
    const Case c = RandomCase(r, it % 4 == 0 ? 150 : 40);
    if (c.valid()) CheckSums(c, r);
  }
}
#endif

EQ_TEST(x86_dwconv_fused_matches_scalar_output_stage) {
  for (const Fused& k : FusedKernels()) {
    eqtest::Rng r(52);
    for (int it = 0; it < 400; it++) {
      Case c = RandomCase(r, it % 4 == 0 ? 150 : 40, k.square35);
      c.qmax = std::min(c.qmax, k.max_qmax);
      if (c.valid()) CheckFused(k.fn, c, r);
    }
  }
}

EQ_TEST(x86_dwconv_fused_zero_offset) {
  for (const Fused& k : FusedKernels()) {
    eqtest::Rng r(56);
    for (int it = 0; it < 200; it++) {
      Case c = RandomCase(r, it % 4 == 0 ? 150 : 40, k.square35);
      c.qmax = std::min(c.qmax, k.max_qmax);
      if (c.valid()) CheckFused(k.fn, c, r, it % 2 ? 127 : 63);
    }
  }
}

EQ_TEST(x86_dwconv_fused_mobilenet_shapes) {
  // the depthwise layers of MobileNet v1/v2 (3x3, pad 1, stride 1 and 2, 112..7 wide planes)
  for (const Fused& k : FusedKernels()) {
    eqtest::Rng r(53);
    for (uint32_t in : {112u, 56u, 28u, 14u, 7u})
      for (uint32_t s : {1u, 2u})
        for (int32_t qmax : {127, 63}) {
          if (qmax > k.max_qmax) continue;
          const Case c{{in, in, 3, 3, s, s, 1, 1, 1, 1, 1, 1, 19, 0, 19}, qmax, false};
          CheckFused(k.fn, c, r);
          const Case tf{{in, in, 3, 3, s, s, 1, 1, 0, 0, 1, 1, 5, 1, 4}, qmax, true};  // TF "SAME": pad after only
          CheckFused(k.fn, tf, r);
#if defined(EQ_HAVE_AVX512VNNI)
          if (k.fn == DwConvS8Avx512) CheckSums(c, r), CheckSums(tf, r);
#endif
        }
  }
}

EQ_TEST(x86_dwconv_fused_declines_huge_bias) {
  for (const Fused& k : FusedKernels()) {
    std::vector<int8_t> x(2 * 9 * 9, 1), w(2 * 9, 1), out(2 * 81, 7);
    std::vector<int32_t> bias{0, INT32_MAX - 100};
    std::vector<float> mult(2, 1.0f);
    std::vector<double> tm(2, 1.0);
    const OutputStage s{bias.data(), mult.data(), tm.data(), -127, 127, false, 0, 0};
    EQ_EXPECT(!k.fn(x.data(), w.data(), 9, 9, 9, 9, 3, 3, 1, 1, 1, 1, 0, 0, 2, s, out.data())) << k.name;
    size_t touched = 0;
    for (int8_t v : out) touched += v != 7;
    EQ_EXPECT(touched == 0) << k.name << ": " << touched << " outputs written although the kernel declined";
    EQ_EXPECT(k.fn(x.data(), w.data(), 9, 9, 9, 9, 3, 3, 1, 1, 1, 1, 0, 0, 1, s, out.data())) << k.name << ": channel 0 alone is safe";
  }
}

EQ_TEST(x86_dwconv_fused_selection) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 1, 1, 1, 1, 127) == DwConvS8Avx2);
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 1, 1, 1, 1, 63) == DwConvS8Avx2Int7) << "INT7 3x3/1";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 2, 2, 1, 1, 63) == DwConvS8Avx2Int7) << "INT7 stride 2";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 1, 2, 1, 1, 63) == DwConvS8Avx2Int7) << "INT7 stride 2 along x only";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 2, 1, 1, 1, 63) == DwConvS8Avx2) << "INT7 stride 2 along y only";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 2, 2, 1, 1, 127) == DwConvS8Avx2) << "INT8 stride 2";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 5, 5, 1, 1, 1, 1, 63) == DwConvS8Avx2) << "INT7 5x5";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 5, 5, 2, 1, 1, 1, 127) == DwConvS8Avx2) << "mixed strides";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 7, 7, 1, 1, 1, 1, 127) == nullptr) << "avx2: 7x7";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 1, 1, 2, 2, 63) == nullptr) << "avx2: dilation 2";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kScalar, 3, 3, 1, 1, 1, 1, 63) == nullptr);
}

#if defined(EQ_HAVE_AVX512VNNI)
EQ_TEST(x86_dwconv_avx512_selection) {
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx512Vnni, 3, 3, 1, 1, 1, 1) == DwConvAvx512());
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx512Vnni, 5, 5, 2, 2, 1, 1) == DwConvAvx512());
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx512Vnni, 7, 7, 1, 1, 1, 1) == DwConvAvx512()) << "7x7";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx2, 3, 3, 1, 1, 1, 1) == DwConvAvx2()) << "forced avx2";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx512Vnni, 3, 3, 1, 1, 2, 2) == DwConvScalar()) << "dilation 2";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx512Vnni, 9, 9, 1, 1, 1, 1) == DwConvScalar()) << "9x9";
  EQ_EXPECT(SelectDwConv(eq::Isa::kAvx512Vnni, 3, 3, 3, 3, 1, 1) == DwConvScalar()) << "stride 3";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx512Vnni, 3, 3, 2, 2, 1, 1, 127) == DwConvS8Avx512);
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx512Vnni, 3, 3, 1, 1, 1, 1, 63) == DwConvS8Avx512) << "INT7 keeps the AVX-512 kernel";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx2, 3, 3, 1, 1, 1, 1, 127) == DwConvS8Avx2) << "forced avx2";
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kScalar, 3, 3, 1, 1, 1, 1, 127) == nullptr);
  EQ_EXPECT(SelectDwConvS8(eq::Isa::kAvx512Vnni, 3, 3, 1, 1, 2, 2, 127) == nullptr) << "dilation 2";
}
#endif
#endif

#if defined(EQ_HAVE_AVX2)
// The INT7 kernel's int16 sums at their limits: inputs and pad at +63 (x + 64 = 127) and -64 (0)
// with weights at +-63 give the largest int16 group sums of each sign (4 * 127 * 63 = 32004);
// the 258/259 channels sit at the edge of a whole 9-tap sum in int16 (127 * 258 = 32766), the
// bound of any kernel that would add all taps there. Both of its layouts (stride 1: row pairs;
// stride 2: column pairs), and the general kernel on the same data. A multiplier of 1e5 takes
// the output stage that clamps in float (float(acc) * m can pass 2^31, where VCVTPS2DQ no
// longer rounds); 1/2048 the int16 clamp.
EQ_TEST(x86_dwconv_int7_int16_limits) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  // 4 x 63 + 6 = 258 and 4 x 63 + 7 = 259, with the remaining taps 0 or of the other sign
  const std::vector<std::vector<int8_t>> kernels = {{63, 63, 63, 63, 6, 0, 0, 0, 0},       {63, 63, 63, 63, 7, 0, 0, 0, 0},
                                                    {-63, -63, -63, -63, -6, 0, 0, 0, 0},  {-63, -63, -63, -63, -7, 0, 0, 0, 0},
                                                    {63, -63, 63, -63, 63, -63, 63, -63, 6}, {63, 63, 63, 63, 63, 63, 63, 63, 63}};
  const uint32_t H = 9, W = 37;
  for (DwConvS8Fn fn : {DwConvS8Avx2Int7, DwConvS8Avx2})
    for (uint32_t st : {1u, 2u})
      for (float m : {1.0f / 2048, 1e5f}) {
        for (int8_t v : {int8_t{63}, int8_t{-63}, int8_t{-64}}) {
          const uint32_t oH = (H + 2 - 3) / st + 1, oW = (W + 2 - 3) / st + 1;
          const size_t C = kernels.size(), P = static_cast<size_t>(H) * W, oP = static_cast<size_t>(oH) * oW;
          std::vector<int8_t> x(C * P, v), w;
          for (const auto& k : kernels) w.insert(w.end(), k.begin(), k.end());
          std::vector<int32_t> bias(C, 0), acc(C * oP);
          std::vector<float> mult(C, m);
          std::vector<double> tm(C, 1.0);
          const OutputStage s{bias.data(), mult.data(), tm.data(), -63, 63, false, 0, 0};
          DwConvScalar()->run(x.data(), w.data(), H, W, oH, oW, 3, 3, st, st, 1, 1, 1, 1, v, 0, C, acc.data());
          std::vector<int8_t> want(C * oP + 16, 0x5a), got = want;
          size_t bad_channel = 0;
          EQ_EXPECT(OutputStageS8(acc.data(), oP, 0, C, 0, oP, s, want.data(), oP, 1, nullptr, &bad_channel));
          EQ_EXPECT(fn(x.data(), w.data(), H, W, oH, oW, 3, 3, st, st, 1, 1, v, 0, C, s, got.data()));
          for (size_t c = 0; c < C; c++) {
            size_t bad = 0;
            for (size_t i = 0; i < oP; i++) bad += want[c * oP + i] != got[c * oP + i];
            EQ_EXPECT(bad == 0) << (fn == DwConvS8Avx2 ? "general" : "int7") << " stride " << st << ", multiplier " << m << ", value/pad " << int{v}
                                << ", kernel " << c << ": " << bad << " wrong";
          }
        }
      }
}
#endif
