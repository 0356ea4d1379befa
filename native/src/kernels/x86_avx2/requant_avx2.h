// The AVX2 int8 output stage's arithmetic on 16 accumulators that already include the bias,
// shared by OutputStageS8Avx2 (requant_avx2.cc) and the fused depthwise kernel (dwconv_avx2.cc)
// so both give the same bytes as scalar/requant_output.cc (see requant_avx2.cc for why each step
// is exact). Included only by files compiled with -mavx2.
#pragma once

#include <immintrin.h>

namespace eq {
namespace kernels {
namespace {

// Outputs 0..7 in s0 and 8..15 in s1 → 16 int8 in order. lo, hi: the clamp plus the zero offset
// z, applied in float before rounding; z is subtracted after it, so the values are in [lo, hi]
// and the saturating packs never saturate.
inline __m128i RequantPack16(__m256i s0, __m256i s1, __m256 m, __m256 lo, __m256 hi, __m256i z) {
  const __m256 v0 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s0), m), lo), hi);
  const __m256 v1 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s1), m), lo), hi);
  const __m256i q0 = _mm256_sub_epi32(_mm256_cvtps_epi32(v0), z), q1 = _mm256_sub_epi32(_mm256_cvtps_epi32(v1), z);
  // int32 → int16 → int8; the packs interleave 128-bit lanes, the permute puts them back
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xd8);
  return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

}  // namespace
}  // namespace kernels
}  // namespace eq
