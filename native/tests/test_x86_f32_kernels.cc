// The AVX2 FP32 helpers of the fallback ops and the int8 plane sum against the scalar ones:
// Sigmoid bit for bit on a dense sweep of [-120, 120], every float bit pattern class (±0, ±inf,
// NaN, subnormals, the exp under/overflow edges) and random bit patterns; the k2s2 ConvTranspose
// rows (scatter and channel sum) and SumS8 exactly, with tails; Softmax rows bit for bit (logits
// of several scales, rows reaching the exp underflow, ±0, ±inf, NaN, lengths with tails).
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "eqtest.h"
#include "kernels/f32_kernels.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

#if defined(EQ_HAVE_AVX2)

namespace {
size_t SigmoidMismatches(const std::vector<float>& x, float* first_bad) {
  std::vector<float> want(x.size() + 3, 7.f), got(x.size() + 3, 7.f);
  SigmoidF32(x.data(), x.size(), want.data());
  SigmoidF32Avx2(x.data(), x.size(), got.data());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) {
    if (std::isnan(want[i]) && std::isnan(got[i])) continue;
    if (std::memcmp(&want[i], &got[i], 4) != 0) {
      if (bad++ == 0 && i < x.size()) *first_bad = x[i];
    }
  }
  return bad;
}
}  // namespace

EQ_TEST(x86_sigmoid_f32_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  float first = 0;
  std::vector<float> sweep(1 << 21);
  for (size_t i = 0; i < sweep.size(); i++) sweep[i] = -120.0f + 240.0f * static_cast<float>(i) / static_cast<float>(sweep.size());
  const size_t b1 = SigmoidMismatches(sweep, &first);
  EQ_EXPECT(b1 == 0) << b1 << " of the sweep differ, first at x=" << first;
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> edges = {0.f, -0.f, inf, -inf, nan, 1e-40f, -1e-40f, 1e-45f, -1e-45f, 3.4e38f, -3.4e38f, 88.72f, -88.72f, 103.97f, -103.97f,
                              104.f, -104.f, 708.f, -708.f, 709.5f, -709.5f, 745.2f, -745.2f, 1e30f, -1e30f, 1e-8f, -1e-8f};
  for (size_t n : {size_t{1}, size_t{7}, edges.size()}) {
    std::vector<float> e(edges.begin(), edges.begin() + static_cast<std::ptrdiff_t>(n));
    const size_t b = SigmoidMismatches(e, &first);
    EQ_EXPECT(b == 0) << "edges n=" << n << ": " << b << " differ, first at x=" << first;
  }
  eqtest::Rng r(91);
  std::vector<float> bits(1 << 18);
  for (float& v : bits) {
    const uint32_t u = r.Next();
    std::memcpy(&v, &u, 4);
  }
  const size_t b3 = SigmoidMismatches(bits, &first);
  EQ_EXPECT(b3 == 0) << b3 << " random bit patterns differ, first at x=" << first;
}

namespace {
// bit-for-bit mismatches of the AVX2 softmax row vs the scalar one (NaN equals NaN)
size_t SoftmaxMismatches(const std::vector<float>& x) {
  std::vector<double> e(x.size());
  std::vector<float> want(x.size() + 3, 7.f), got(x.size() + 3, 7.f);
  SoftmaxRowF32(x.data(), x.size(), e.data(), want.data());
  SoftmaxRowF32Avx2(x.data(), x.size(), e.data(), got.data());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++)
    if (!(std::isnan(want[i]) && std::isnan(got[i])) && std::memcmp(&want[i], &got[i], 4) != 0) bad++;
  return bad;
}
}  // namespace

EQ_TEST(x86_softmax_row_f32_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(95);
  // scales: OCR-like logits, wide ones, and ones whose gaps pass the [-708, 0] block test
  for (float scale : {0.01f, 4.f, 40.f, 400.f, 3000.f}) {
    for (size_t n : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{7}, size_t{8}, size_t{9}, size_t{31}, size_t{1031}, size_t{6625}}) {
      for (int rep = 0; rep < 8; rep++) {
        std::vector<float> x(n);
        for (float& v : x) v = scale * static_cast<float>(r.Uniform(-1000000, 1000000)) / 1000000.0f;
        const size_t b = SoftmaxMismatches(x);
        EQ_EXPECT(b == 0) << "scale=" << scale << " n=" << n << " rep=" << rep << ": " << b << " differ";
      }
    }
  }
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> edges = {0.f, -0.f, 1e-40f, -1e-45f, 3.4e38f, -3.4e38f, 88.72f, -103.97f, 708.f, -708.f, 709.5f, -745.2f, 1e30f, -1e30f, 0.5f};
  for (float special : {0.f, nan, inf, -inf}) {
    for (size_t n : {size_t{1}, size_t{7}, edges.size(), size_t{37}}) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; i++) x[i] = i < edges.size() ? edges[(i * 7) % edges.size()] : static_cast<float>(r.Uniform(-800, 800));
      if (special != 0.f) x[n / 2] = special;
      EQ_EXPECT(SoftmaxMismatches(x) == 0) << "edges n=" << n << " special=" << special;
    }
  }
  for (float fill : {-inf, nan, 0.f, -0.f, 5.f}) {
    const std::vector<float> x(13, fill);
    EQ_EXPECT(SoftmaxMismatches(x) == 0) << "constant row " << fill;
  }
}

EQ_TEST(x86_convt_row_k2s2_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(92);
  for (size_t n : {1, 3, 4, 5, 8, 13, 128, 131}) {
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(r.Uniform(-1000000, 1000000)) / 7919.0f;
    const double w0 = static_cast<float>(r.Uniform(-5000, 5000)) / 997.0f, w1 = static_cast<float>(r.Uniform(-5000, 5000)) / 991.0f;
    std::vector<double> want(2 * n + 4), got;
    for (double& a : want) a = static_cast<double>(r.Uniform(-100000, 100000)) / 3.0;
    got = want;
    ConvTRowK2S2(x.data(), n, w0, w1, want.data());
    ConvTRowK2S2Avx2(x.data(), n, w0, w1, got.data());
    EQ_EXPECT(std::memcmp(want.data(), got.data(), want.size() * sizeof(double)) == 0) << "n=" << n;
  }
}

EQ_TEST(x86_convt_row_k2s2_sum_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(94);
  for (size_t channels : {1, 3, 16}) {
    for (size_t n : {1, 2, 7, 8, 9, 31, 32, 33, 64, 255, 256}) {
      const size_t w = (n + 1) / 2 + 3, cstride = w + 5;
      std::vector<float> x(channels * cstride), want(n + 4, 7.f), got(n + 4, 7.f);
      for (float& v : x) v = static_cast<float>(r.Uniform(-1000000, 1000000)) / 7919.0f;
      std::vector<double> wpk(4 * channels);
      for (size_t c = 0; c < channels; c++) {
        wpk[4 * c] = wpk[4 * c + 2] = static_cast<float>(r.Uniform(-5000, 5000)) / 997.0f;
        wpk[4 * c + 1] = wpk[4 * c + 3] = static_cast<float>(r.Uniform(-5000, 5000)) / 991.0f;
      }
      const double bias = static_cast<float>(r.Uniform(-5000, 5000)) / 61.0f;
      ConvTRowK2S2Sum(x.data(), cstride, channels, wpk.data(), bias, n, want.data());
      ConvTRowK2S2SumAvx2(x.data(), cstride, channels, wpk.data(), bias, n, got.data());
      EQ_EXPECT(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0) << "channels=" << channels << " n=" << n;
    }
  }
}

EQ_TEST(x86_sum_s8_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  eqtest::Rng r(93);
  for (size_t n : {0, 1, 31, 32, 33, 143, 4096, 16384 + 7}) {
    for (int fill = 0; fill < 3; fill++) {
      std::vector<int8_t> x(n);
      for (int8_t& v : x) v = static_cast<int8_t>(fill == 0 ? r.Uniform(-128, 127) : fill == 1 ? -128 : 127);
      EQ_EXPECT(SumS8(x.data(), n) == SumS8Avx2(x.data(), n)) << "n=" << n << " fill=" << fill;
    }
  }
}

#endif
