// AVX2 quantization of the float network input: y = clip(rne(x * scale), -qmax, qmax), bit-exact
// with scalar/eltwise_s8.cc (ClipRne): one float multiply (no FMA), NaN -> 0 (an unordered
// compare masks it to +0), clamp to the integer bounds, then VCVTPS2DQ rounds half to even
// (MXCSR default), which after the clamp gives the same integer as rounding first.
#include <immintrin.h>

#include <cstring>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

inline __m256i Quantize8(__m256 x, __m256 s, __m256 lo, __m256 hi) {
  __m256 v = _mm256_mul_ps(x, s);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> 0
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, lo), hi));
}

}  // namespace

void QuantizeF32ToS8Avx2(const float* x, size_t n, float scale, int32_t qmax, int8_t* y) {
  const __m256 s = _mm256_set1_ps(scale), lo = _mm256_set1_ps(static_cast<float>(-qmax)), hi = _mm256_set1_ps(static_cast<float>(qmax));
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i q0 = Quantize8(_mm256_loadu_ps(x + i), s, lo, hi), q1 = Quantize8(_mm256_loadu_ps(x + i + 8), s, lo, hi);
    const __m256i q2 = Quantize8(_mm256_loadu_ps(x + i + 16), s, lo, hi), q3 = Quantize8(_mm256_loadu_ps(x + i + 24), s, lo, hi);
    // int32 -> int16 -> int8 (values within ±127); the packs interleave 128-bit lanes, the permute restores the order
    const __m256i w = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
  if (i < n) QuantizeF32ToS8(x + i, n - i, scale, qmax, y + i);
}

}  // namespace kernels
}  // namespace eq
