// The AVX2 input quantization and output stages against the scalar ones: random values, exact
// .5 ties (round half to even), values beyond ±qmax, ±inf and NaN (-> 0), lengths that are not
// multiples of the vector step (tails).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "eqtest.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

#if defined(EQ_HAVE_AVX2)

EQ_TEST(x86_quantize_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(77);
  for (int32_t qmax : {127, 63}) {
    for (size_t n : {1, 7, 31, 32, 33, 100, 1000}) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; i++) {
        switch (r.Uniform(0, 5)) {
          case 0: x[i] = static_cast<float>(r.Uniform(-300, 300)) + 0.5f; break;  // ties after scale 1
          case 1: x[i] = std::numeric_limits<float>::quiet_NaN(); break;
          case 2: x[i] = r.Uniform(0, 1) ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity(); break;
          default: x[i] = static_cast<float>(r.Uniform(-200000, 200000)) / 1000.0f;
        }
      }
      for (float scale : {1.0f, 0.73f, 3.1f}) {
        std::vector<int8_t> want(n + 8, 0x5a), got(n + 8, 0x5a);
        QuantizeF32ToS8(x.data(), n, scale, qmax, want.data());
        QuantizeF32ToS8Avx2(x.data(), n, scale, qmax, got.data());
        size_t bad = 0;
        for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];  // includes the guard tail
        EQ_EXPECT(bad == 0) << "n=" << n << " scale=" << scale << " qmax=" << qmax << ": " << bad << " wrong";
      }
    }
  }
}

EQ_TEST(x86_output_stages_match_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(78);
  for (size_t np : {1, 5, 8, 15, 16, 17, 40, 169}) {
    const size_t nc = 5;
    std::vector<int32_t> acc(nc * np), bias(nc);
    std::vector<float> mult(nc);
    std::vector<double> tap_mult(nc, 1.0);
    for (auto& a : acc) a = r.Uniform(-2000000, 2000000);
    for (size_t c = 0; c < nc; c++) {
      bias[c] = r.Uniform(-50000, 50000);
      mult[c] = static_cast<float>(r.Uniform(1, 1000)) / 8192.0f;  // many exact .5 products
    }
    // channel 4: sums near the int32 limit with multipliers 0.49 and 2000 (float(a) * m far past
    // 2^31, where only a clamp before the rounding gives the reference's bytes)
    for (size_t p = 0; p < np; p++) acc[4 * np + p] = 2 * r.Uniform(-1050000000, 1050000000);
    bias[4] = r.Uniform(-1000, 1000);
    mult[4] = np % 2 ? 2000.0f : 0.49f;
    for (int act = 0; act < 3; act++) {
      OutputStage s{bias.data(), mult.data(), tap_mult.data(), act == 1 ? 0 : -127, 127, act != 0, act == 1 ? 0.0 : -0.3, act == 1 ? 6.0 : 1e30};
      std::vector<int8_t> w8(nc * np + 16, 0x5a), g8 = w8;
      std::vector<float> wf(nc * np + 16, 7.f), gf = wf;
      size_t b1 = 0, b2 = 0;
      EQ_EXPECT(OutputStageS8(acc.data(), np, 0, nc, 0, np, s, w8.data(), np, 1, nullptr, &b1));
      EQ_EXPECT(OutputStageS8Avx2(acc.data(), np, 0, nc, 0, np, s, g8.data(), np, 1, nullptr, &b2));
      EQ_EXPECT(w8 == g8) << "int8 stage, np=" << np << " act=" << act;
      EQ_EXPECT(OutputStageF32(acc.data(), np, 0, nc, 0, np, s, wf.data(), np, 1, nullptr, &b1));
      EQ_EXPECT(OutputStageF32Avx2(acc.data(), np, 0, nc, 0, np, s, gf.data(), np, 1, nullptr, &b2));
      EQ_EXPECT(std::memcmp(wf.data(), gf.data(), wf.size() * sizeof(float)) == 0) << "float stage, np=" << np << " act=" << act;
    }
    // an overflowing channel is reported the same way
    std::vector<int32_t> big(acc);
    big[3 * np + np / 2] = 2147483000;
    std::vector<int32_t> b2v(bias);
    b2v[3] = 100000;
    OutputStage s{b2v.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
    std::vector<int8_t> o8(nc * np);
    std::vector<float> of(nc * np);
    size_t bad1 = 99, bad2 = 99;
    EQ_EXPECT(!OutputStageS8Avx2(big.data(), np, 0, nc, 0, np, s, o8.data(), np, 1, nullptr, &bad1) && bad1 == 3) << "np=" << np;
    EQ_EXPECT(!OutputStageF32Avx2(big.data(), np, 0, nc, 0, np, s, of.data(), np, 1, nullptr, &bad2) && bad2 == 3) << "np=" << np;
  }
}

// A classifier's float logits (one position, channels contiguous: np = 1, ld = 1, cstride 1):
// the AVX2 stage's 8-channel column path against the scalar stage, with and without a clamp,
// channel counts around the vector step, and an overflowing channel reported as the scalar does.
EQ_TEST(x86_output_stage_f32_column_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(79);
  for (size_t nc : {8, 9, 15, 16, 1001}) {
    std::vector<int32_t> acc(nc), bias(nc);
    std::vector<float> mult(nc);
    std::vector<double> tap_mult(nc, 1.0);
    for (size_t c = 0; c < nc; c++) {
      acc[c] = r.Uniform(-2000000, 2000000);
      bias[c] = r.Uniform(-50000, 50000);
      mult[c] = static_cast<float>(r.Uniform(1, 1000)) / 8192.0f;
    }
    for (int act = 0; act < 3; act++) {
      const OutputStage s{bias.data(), mult.data(), tap_mult.data(), -127, 127, act != 0, act == 1 ? 0.0 : -3.0, act == 1 ? 6.0 : 40.0};
      // channels [c0, nc): a column that starts past channel 0 too
      for (size_t c0 : {size_t{0}, size_t{3}}) {
        std::vector<float> want(nc + 8, 7.f), got = want;
        size_t b1 = 0, b2 = 0;
        EQ_EXPECT(OutputStageF32(acc.data() + c0, 1, c0, nc - c0, 0, 1, s, want.data(), 1, nc, nullptr, &b1));
        EQ_EXPECT(OutputStageF32Avx2(acc.data() + c0, 1, c0, nc - c0, 0, 1, s, got.data(), 1, nc, nullptr, &b2));
        EQ_EXPECT(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0) << "nc=" << nc << " c0=" << c0 << " act=" << act;
      }
    }
    std::vector<int32_t> big(acc), bb(bias);
    big[nc - 2] = 2147483000;
    bb[nc - 2] = 100000;
    const OutputStage s{bb.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
    std::vector<float> o(nc);
    size_t bad = 99;
    EQ_EXPECT(!OutputStageF32Avx2(big.data(), 1, 0, nc, 0, 1, s, o.data(), 1, nc, nullptr, &bad) && bad == nc - 2) << "nc=" << nc << " bad " << bad;
  }
}

// The AVX2 add, requantize, qmul row and dequantize against the scalar ones: every int8 pair, multipliers
// that make exact .5 ties, a ReLU clamp, INT7, tails of every length up to the vector step, and
// multipliers on both sides of the int16-clamp fast path's bound.
EQ_TEST(x86_add_requantize_dequantize_match_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  const size_t n = 256 * 256;
  std::vector<int8_t> a(n), b(n);
  for (size_t i = 0; i < n; i++) {
    a[i] = static_cast<int8_t>(i & 255);
    b[i] = static_cast<int8_t>(i >> 8);
  }
  // the last four: the int16-clamp fast path's bound (128 * (ma + mb) < 2^30) just held, just
  // missed, sums past 2^31 (where VCVTPS2DQ no longer rounds), and infinite sums
  const float mults[][2] = {{0.5f, 0.25f}, {1.0f, 1.0f}, {0.73f, 1.9f}, {3.0f / 8.0f, 5.0f / 16.0f}, {4.1e6f, 4.2e6f}, {4.2e6f, 4.2e6f}, {1e7f, 2e7f}, {1e30f, 1e30f}};
  for (const auto& m : mults)
    for (int32_t qmax : {127, 63})
      for (int32_t lo : {-qmax, 0})
        for (size_t len : {n, n - 1, size_t{31}, size_t{33}, size_t{1}}) {
          std::vector<int8_t> want(len + 8, 0x5a), got = want;
          AddS8(a.data(), b.data(), len, m[0], m[1], lo, qmax, want.data());
          AddS8Avx2(a.data(), b.data(), len, m[0], m[1], lo, qmax, got.data());
          EQ_EXPECT(want == got) << "add ma=" << m[0] << " mb=" << m[1] << " qmax=" << qmax << " lo=" << lo << " n=" << len;
          std::fill(want.begin(), want.end(), 0x5a);
          std::fill(got.begin(), got.end(), 0x5a);
          RequantizeS8(a.data(), len, m[0], qmax, want.data());
          RequantizeS8Avx2(a.data(), len, m[0], qmax, got.data());
          EQ_EXPECT(want == got) << "requantize m=" << m[0] << " qmax=" << qmax << " n=" << len;
          for (float g : {-128.0f, -3.0f, 0.0f, 5.0f, 127.0f}) {
            std::fill(want.begin(), want.end(), 0x5a);
            std::fill(got.begin(), got.end(), 0x5a);
            MulScaleS8(a.data(), len, g, m[1] / 64.0f, qmax, want.data());
            MulScaleS8Avx2(a.data(), len, g, m[1] / 64.0f, qmax, got.data());
            EQ_EXPECT(want == got) << "mul-scale g=" << g << " m=" << m[1] << " qmax=" << qmax << " n=" << len;
          }
        }
  for (float scale : {1.0f, 0.37f, 41.0f}) {
    std::vector<float> want(n + 4, 7.f), got = want;
    DequantizeS8ToF32(a.data(), n - 3, scale, want.data());
    DequantizeS8ToF32Avx2(a.data(), n - 3, scale, got.data());
    EQ_EXPECT(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0) << "dequantize scale=" << scale;
  }
}

// The AVX2 table lookup (two telescoping XOR chains of PSHUFB) against the table itself: every
// input byte at every lane position (the input cycles through all 256 values with a stride
// that is odd against 32), random tables and ones whose entries are all different (identity,
// reversed, a permutation), lengths with tails; the bytes past the end stay untouched.
EQ_TEST(x86_lut_matches_table) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  EQ_EXPECT(SelectLut(eq::Isa::kAvx2) == &LutS8Avx2);
  EQ_EXPECT(SelectLut(eq::Isa::kScalar) == &LutS8);
  eqtest::Rng r(311);
  const size_t n = 256 * 33;
  std::vector<int8_t> x(n);
  for (size_t i = 0; i < n; i++) x[i] = static_cast<int8_t>((i * 37) & 255);
  std::vector<std::vector<int8_t>> tables(6, std::vector<int8_t>(256));
  for (int v = 0; v < 256; v++) {
    tables[0][v] = static_cast<int8_t>(v - 128);                         // identity
    tables[1][v] = static_cast<int8_t>(127 - v);                         // reversed
    tables[2][v] = static_cast<int8_t>(((v * 73 + 11) & 255) - 128);     // a permutation
    tables[3][v] = static_cast<int8_t>(v < 128 ? (v - 128) / 10 : v - 128);  // a leaky ReLU
  }
  for (size_t t = 4; t < tables.size(); t++)
    for (auto& e : tables[t]) e = static_cast<int8_t>(r.Uniform(-127, 127));
  for (const auto& lut : tables)
    for (size_t len : {n, n - 1, size_t{32}, size_t{31}, size_t{33}, size_t{1}, size_t{0}}) {
      std::vector<int8_t> want(len + 8, 0x5a), got = want;
      for (size_t i = 0; i < len; i++) want[i] = lut[static_cast<size_t>(x[i] + 128)];
      LutS8Avx2(x.data(), len, lut.data(), got.data());
      EQ_EXPECT(want == got) << "lut n=" << len << " table[0..2] " << int(lut[0]) << "," << int(lut[1]) << "," << int(lut[2]);
      std::fill(got.begin(), got.end(), 0x5a);
      LutS8(x.data(), len, lut.data(), got.data());
      EQ_EXPECT(want == got) << "scalar lut n=" << len;
    }
}

#if defined(EQ_HAVE_AVX512VNNI)
// The AVX-512 int8 output stage against the scalar one: masked row tails (np % 16), clamps to a
// ReLU range and to ±qmax for INT8 and INT7, exact .5 ties, and the overflow report.
EQ_TEST(x86_avx512_output_stage_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  eqtest::Rng r(79);
  for (size_t np : {1, 5, 15, 16, 17, 31, 32, 33, 49, 169, 196}) {
    const size_t nc = 5;
    std::vector<int32_t> acc(nc * np), bias(nc);
    std::vector<float> mult(nc);
    std::vector<double> tap_mult(nc, 1.0);
    for (auto& a : acc) a = r.Uniform(-2000000, 2000000);
    for (size_t c = 0; c < nc; c++) {
      bias[c] = r.Uniform(-50000, 50000);
      mult[c] = static_cast<float>(r.Uniform(1, 1000)) / 8192.0f;  // many exact .5 products
    }
    for (int32_t qmax : {127, 63})
      for (int32_t lo : {-qmax, 0}) {
        OutputStage s{bias.data(), mult.data(), tap_mult.data(), lo, qmax, false, 0, 0};
        // a channel offset and a row pitch wider than np, as the GEMM column blocks use
        std::vector<int8_t> w8((nc + 1) * (np + 3) + 16, 0x5a), g8 = w8;
        size_t b1 = 0, b2 = 0;
        EQ_EXPECT(OutputStageS8(acc.data(), np, 1, nc, 2, np, s, w8.data(), np + 3, 1, nullptr, &b1));
        EQ_EXPECT(OutputStageS8Avx512(acc.data(), np, 1, nc, 2, np, s, g8.data(), np + 3, 1, nullptr, &b2));
        EQ_EXPECT(w8 == g8) << "np=" << np << " qmax=" << qmax << " lo=" << lo;
      }
    std::vector<int32_t> big(acc);
    big[3 * np + np - 1] = 2147483000;  // overflow in the last (tail) lane of channel 3
    std::vector<int32_t> b2v(bias);
    b2v[3] = 100000;
    OutputStage s{b2v.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
    std::vector<int8_t> o8(nc * np);
    size_t bad = 99;
    EQ_EXPECT(!OutputStageS8Avx512(big.data(), np, 0, nc, 0, np, s, o8.data(), np, 1, nullptr, &bad) && bad == 3) << "np=" << np;
  }
}
#endif

#endif
