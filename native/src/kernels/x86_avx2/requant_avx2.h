// The AVX2 int8 output stage's arithmetic on 16 accumulators that already include the bias,
// shared by OutputStageS8Avx2 (requant_avx2.cc), the fused depthwise kernels (dwconv_avx2*.cc)
// and the fused GEMM tiles (igemm_blocking_x86.h), so all give the same bytes as
// scalar/requant_output.cc (see requant_avx2.cc for why each step is exact). Included only by
// files compiled with -mavx2.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

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

// The low and high 128-bit lanes of 16 int16 → 16 int8 (saturating; the values are in range)
inline __m128i Narrow16(__m256i w) { return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)); }

// The same bytes with the clamp done in int16 after the first narrowing: 12 operations per 16
// outputs instead of 15. Exact when every v = float(s) * m is below 2^31 in magnitude
// (RequantInt16Exact): VCVTPS2DQ then returns rne(v) itself, VPACKSSDW's saturation to int16
// keeps the order, and clamping to [lo + z, hi + z] (integers inside int16) before or after the
// rounding gives the same integer. lo16, hi16, z16: int16 lanes.
inline __m256i RoundPack16(__m256i s0, __m256i s1, __m256 m, __m256i lo16, __m256i hi16, __m256i z16) {
  const __m256i t0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(s0), m));
  const __m256i t1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(s1), m));
  return _mm256_sub_epi16(_mm256_min_epi16(_mm256_max_epi16(_mm256_packs_epi32(t0, t1), lo16), hi16), z16);
}

// An output stage's clamp as vectors: lo/hi are the clamp plus the zero offset z. The float
// bounds serve Requant8; the int16 twins serve RoundPack16 when i16 (RequantInt16Exact) holds.
struct RequantBounds {
  __m256 lo, hi;
  __m256i z;
  __m256i lo16, hi16, z16;
  bool i16;
};
inline RequantBounds MakeRequantBounds(int32_t lo, int32_t hi, int32_t z, bool i16) {
  return {_mm256_set1_ps(static_cast<float>(lo + z)),
          _mm256_set1_ps(static_cast<float>(hi + z)),
          _mm256_set1_epi32(z),
          _mm256_set1_epi16(static_cast<int16_t>(lo + z)),
          _mm256_set1_epi16(static_cast<int16_t>(hi + z)),
          _mm256_set1_epi16(static_cast<int16_t>(z)),
          i16};
}

// 16 accumulators (bias included) → 16 int8 in output order. kInLane: the sums arrive as
// outputs (0-3, 8-11) in s0 and (4-7, 12-15) in s1, which the packs' 128-bit lane interleave
// turns into output order by itself; else as 0-7 and 8-15 (one permute puts the lanes back).
// kI16: the int16 clamp (only where b.i16 holds), else the float one.
template <bool kInLane, bool kI16>
inline __m128i RequantPack(__m256i s0, __m256i s1, __m256 m, const RequantBounds& b) {
  __m256i w = kI16 ? RoundPack16(s0, s1, m, b.lo16, b.hi16, b.z16) : _mm256_packs_epi32(Requant8(s0, m, b.lo, b.hi, b.z), Requant8(s1, m, b.lo, b.hi, b.z));
  if (!kInLane) w = _mm256_permute4x64_epi64(w, 0xd8);
  return Narrow16(w);
}

// Whether the int16 clamp is exact for channels [c0, c1): |float(acc) * m_c| < 2^31 for every
// sum the caller can form, |acc| <= |bias_c| + reach (a factor-2 margin for the float roundings).
inline bool RequantInt16Exact(const int32_t* bias, const float* mult, size_t c0, size_t c1, double reach) {
  for (size_t c = c0; c < c1; c++)
    if (!((std::abs(static_cast<double>(bias[c])) + reach) * std::abs(static_cast<double>(mult[c])) < 1073741824.0)) return false;
  return true;
}

}  // namespace
}  // namespace kernels
}  // namespace eq
