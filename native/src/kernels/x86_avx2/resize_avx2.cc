// qresize rows on AVX2 (contract: scalar/resize_s8.cc): the input row widened to int32 once,
// then 8 gathers of two taps per step; the vertical blend 8 outputs per step.
#include <immintrin.h>

#include <algorithm>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {

void ResizeHRowS8Avx2(const int8_t* x, size_t w, const int32_t* i0, const int32_t* i1, const int32_t* w1, size_t ow, int32_t* wide, int32_t* h) {
  size_t i = 0;
  for (; i + 8 <= w; i += 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(wide + i), _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + i))));
  for (; i < w; i++) wide[i] = x[i];
  size_t o = 0;
  for (; o + 8 <= ow; o += 8) {
    const __m256i a = _mm256_i32gather_epi32(wide, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(i0 + o)), 4);
    const __m256i b = _mm256_i32gather_epi32(wide, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(i1 + o)), 4);
    const __m256i wt = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w1 + o));
    // (2^11 - w) * a + w * b = (a << 11) + w * (b - a), exactly
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + o), _mm256_add_epi32(_mm256_slli_epi32(a, 11), _mm256_mullo_epi32(wt, _mm256_sub_epi32(b, a))));
  }
  for (; o < ow; o++) h[o] = (kResizeOne - w1[o]) * wide[i0[o]] + w1[o] * wide[i1[o]];
}

void ResizeVRowS8Avx2(const int32_t* h0, const int32_t* h1, int32_t wy, size_t n, int32_t qmax, int8_t* y) {
  const __m256i vw = _mm256_set1_epi32(wy), half = _mm256_set1_epi32(1 << 21);
  const __m256i hi = _mm256_set1_epi32(qmax), lo = _mm256_set1_epi32(-qmax);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h0 + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h1 + i));
    __m256i v = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(a, 11), _mm256_mullo_epi32(vw, _mm256_sub_epi32(b, a))), half);
    v = _mm256_min_epi32(hi, _mm256_max_epi32(lo, _mm256_srai_epi32(v, 22)));
    const __m256i p = _mm256_packs_epi32(v, v);
    const __m128i w16 = _mm_unpacklo_epi64(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm_packs_epi16(w16, w16));
  }
  const int32_t a = kResizeOne - wy;
  for (; i < n; i++) y[i] = static_cast<int8_t>(std::min(qmax, std::max(-qmax, (a * h0[i] + wy * h1[i] + (1 << 21)) >> 22)));
}

}  // namespace kernels
}  // namespace eq
