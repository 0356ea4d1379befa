// AVX2 FP32 helpers (f32_kernels.h), the same floats as scalar/f32_kernels.cc.
// ConvTRowK2S2 / ConvTRowK2S2Sum: 4 inputs -> 8 double accumulators; the product of two floats is exact in double,
// so the FMA rounds once like the scalar multiply-then-add.
// SigmoidF32: exp in double by Cody-Waite reduction (n = round(a / ln2), r = a - n*ln2 with a
// 32-bit ln2 head) and a degree-13 Taylor polynomial on |r| <= 0.35 (truncation < 2^-57, about
// 1 ulp of double in all); the float result then equals the scalar libm path unless the double
// lies within a few ulps of a float rounding boundary. Blocks holding a NaN take the scalar path.
// SoftmaxRowF32: the same exp on blocks of 4 whose x - max all lie in [-708, 0] (others, with
// NaN, ±inf or far below the max, use std::exp like the scalar row); the sum is still added
// one term at a time in index order; max and the final division are exact, so order-free.
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "kernels/f32_kernels.h"

namespace eq {
namespace kernels {
namespace {

// exp(a) for a in [-708, 0]
inline __m256d ExpNeg(__m256d a) {
  const __m256d n = _mm256_round_pd(_mm256_mul_pd(a, _mm256_set1_pd(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), a);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10), r);
  static const double kInvFact[14] = {1.0,
                                      1.0,
                                      1.0 / 2,
                                      1.0 / 6,
                                      1.0 / 24,
                                      1.0 / 120,
                                      1.0 / 720,
                                      1.0 / 5040,
                                      1.0 / 40320,
                                      1.0 / 362880,
                                      1.0 / 3628800,
                                      1.0 / 39916800,
                                      1.0 / 479001600,
                                      1.0 / 6227020800.0};
  __m256d p = _mm256_set1_pd(kInvFact[13]);
  for (int k = 12; k >= 0; k--) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kInvFact[k]));
  // 2^n from the exponent bits: n + 2^52 + 2^51 holds n in its low bits; n + 1023 is in [2, 1023]
  const __m256i bits = _mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(6755399441055744.0)));
  const __m256i e = _mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52);
  return _mm256_mul_pd(p, _mm256_castsi256_pd(e));
}

inline __m128 Sigmoid4(__m128 xf) {
  const __m256d v = _mm256_cvtps_pd(xf);
  const __m256d a = _mm256_max_pd(_mm256_set1_pd(-708.0), _mm256_or_pd(v, _mm256_set1_pd(-0.0)));  // -|v|
  const __m256d e = ExpNeg(a);
  const __m256d num = _mm256_blendv_pd(e, _mm256_set1_pd(1.0), _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_GE_OQ));
  return _mm256_cvtpd_ps(_mm256_div_pd(num, _mm256_add_pd(_mm256_set1_pd(1.0), e)));
}

}  // namespace

void ConvTRowK2S2Avx2(const float* x, size_t n, double w0, double w1, double* acc) {
  const __m256d w = _mm256_setr_pd(w0, w1, w0, w1);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d xd = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    double* a = acc + 2 * i;
    _mm256_storeu_pd(a, _mm256_fmadd_pd(w, _mm256_permute4x64_pd(xd, 0x50), _mm256_loadu_pd(a)));
    _mm256_storeu_pd(a + 4, _mm256_fmadd_pd(w, _mm256_permute4x64_pd(xd, 0xFA), _mm256_loadu_pd(a + 4)));
  }
  if (i < n) ConvTRowK2S2(x + i, n - i, w0, w1, acc + 2 * i);
}

// 16 inputs (32 outputs, 8 accumulators) per step so the FMA chains over the channels overlap
void ConvTRowK2S2SumAvx2(const float* x, size_t cstride, size_t channels, const double* wpk, double bias, size_t n, float* y) {
  const __m256d b = _mm256_set1_pd(bias);
  size_t i = 0;  // input index; outputs 2i, 2i + 1
  for (; 2 * (i + 16) <= n; i += 16) {
    __m256d a[8];
    for (__m256d& v : a) v = _mm256_setzero_pd();
    for (size_t c = 0; c < channels; c++) {
      const __m256d w = _mm256_loadu_pd(wpk + 4 * c);
      const float* xc = x + c * cstride + i;
      for (int q = 0; q < 4; q++) {
        const __m256d xd = _mm256_cvtps_pd(_mm_loadu_ps(xc + 4 * q));
        a[2 * q] = _mm256_fmadd_pd(w, _mm256_permute4x64_pd(xd, 0x50), a[2 * q]);
        a[2 * q + 1] = _mm256_fmadd_pd(w, _mm256_permute4x64_pd(xd, 0xFA), a[2 * q + 1]);
      }
    }
    for (int k = 0; k < 8; k++) _mm_storeu_ps(y + 2 * i + 4 * k, _mm256_cvtpd_ps(_mm256_add_pd(a[k], b)));
  }
  for (; 2 * (i + 4) <= n; i += 4) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    for (size_t c = 0; c < channels; c++) {
      const __m256d w = _mm256_loadu_pd(wpk + 4 * c);
      const __m256d xd = _mm256_cvtps_pd(_mm_loadu_ps(x + c * cstride + i));
      a0 = _mm256_fmadd_pd(w, _mm256_permute4x64_pd(xd, 0x50), a0);
      a1 = _mm256_fmadd_pd(w, _mm256_permute4x64_pd(xd, 0xFA), a1);
    }
    _mm_storeu_ps(y + 2 * i, _mm256_cvtpd_ps(_mm256_add_pd(a0, b)));
    _mm_storeu_ps(y + 2 * i + 4, _mm256_cvtpd_ps(_mm256_add_pd(a1, b)));
  }
  if (2 * i < n) ConvTRowK2S2Sum(x + i, cstride, channels, wpk, bias, n - 2 * i, y + 2 * i);
}

void SigmoidF32Avx2(const float* x, size_t n, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 xf = _mm256_loadu_ps(x + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(xf, xf, _CMP_UNORD_Q)) != 0) {
      SigmoidF32(x + i, 8, y + i);
      continue;
    }
    _mm_storeu_ps(y + i, Sigmoid4(_mm256_castps256_ps128(xf)));
    _mm_storeu_ps(y + i + 4, Sigmoid4(_mm256_extractf128_ps(xf, 1)));
  }
  if (i < n) SigmoidF32(x + i, n - i, y + i);
}

void SoftmaxRowF32Avx2(const float* x, size_t n, double* e, float* y) {
  const float ninf = -std::numeric_limits<float>::infinity();
  // MAXPS returns its second operand when either is NaN, so NaNs are skipped like `x > m`
  __m256 mv = _mm256_set1_ps(ninf);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(_mm256_loadu_ps(x + i), mv);
  float lanes[8];
  _mm256_storeu_ps(lanes, mv);
  double m = ninf;
  for (float v : lanes)
    if (v > m) m = v;
  for (; i < n; i++)
    if (x[i] > m) m = x[i];
  const __m256d md = _mm256_set1_pd(m), lo = _mm256_set1_pd(-708.0);
  double s = 0;
  for (i = 0; i + 4 <= n; i += 4) {
    const __m256d a = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), md);
    if (_mm256_movemask_pd(_mm256_cmp_pd(a, lo, _CMP_GE_OQ)) == 0xF) {
      _mm256_storeu_pd(e + i, ExpNeg(a));
    } else {
      for (size_t k = i; k < i + 4; k++) e[k] = std::exp(static_cast<double>(x[k]) - m);
    }
    s += e[i];
    s += e[i + 1];
    s += e[i + 2];
    s += e[i + 3];
  }
  for (; i < n; i++) {
    e[i] = std::exp(static_cast<double>(x[i]) - m);
    s += e[i];
  }
  const __m256d sd = _mm256_set1_pd(s);
  for (i = 0; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm256_cvtpd_ps(_mm256_div_pd(_mm256_loadu_pd(e + i), sd)));
  for (; i < n; i++) y[i] = static_cast<float>(e[i] / s);
}

}  // namespace kernels
}  // namespace eq
