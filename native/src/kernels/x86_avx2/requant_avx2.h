// The AVX2 int8 output stage's arithmetic on 16 accumulators that already include the bias,
// shared by OutputStageS8Avx2 (requant_avx2.cc) and the fused depthwise kernel (dwconv_avx2.cc)
// so both give the same bytes as scalar/requant_output.cc (see requant_avx2.cc for why each step
// is exact). Included only by files compiled with -mavx2.
#pragma once

#include <immintrin.h>

namespace eq {
namespace kernels {
namespace {

// 8 accumulators → clip(rne(float(s) * m), lo, hi) - z as int32 (lo, hi: the clamp plus the zero
// offset z, applied in float before rounding; z is subtracted after it, so the values are in
// [lo, hi] and the saturating packs below never saturate).
inline __m256i Requant8(__m256i s, __m256 m, __m256 lo, __m256 hi, __m256i z) {
  const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s), m), lo), hi);
  return _mm256_sub_epi32(_mm256_cvtps_epi32(v), z);
}

// Outputs 0..7 in s0 and 8..15 in s1 → 16 int8 in order.
inline __m128i RequantPack16(__m256i s0, __m256i s1, __m256 m, __m256 lo, __m256 hi, __m256i z) {
  // int32 → int16 → int8; the packs interleave 128-bit lanes, the permute puts them back
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(Requant8(s0, m, lo, hi, z), Requant8(s1, m, lo, hi, z)), 0xd8);
  return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

// Outputs (0-3, 8-11) in s0 and (4-7, 12-15) in s1 → 16 int8 in order: the packs' 128-bit lane
// interleave is then the output order, no permute.
inline __m128i RequantPackInLane16(__m256i s0, __m256i s1, __m256 m, __m256 lo, __m256 hi, __m256i z) {
  const __m256i w = _mm256_packs_epi32(Requant8(s0, m, lo, hi, z), Requant8(s1, m, lo, hi, z));
  return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

}  // namespace
}  // namespace kernels
}  // namespace eq
