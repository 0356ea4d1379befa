// AVX2 int8 element-wise kernels, bit-exact with scalar/eltwise_s8.cc: each product is one
// float multiply, the sum one float add (separate instructions: no FMA), an unordered compare
// masks NaN to 0, the clamp to the integer bounds comes before VCVTPS2DQ, which rounds half to
// even (MXCSR default) and so gives the integer ClipRne gives.
//
// Fast path (Bounded): when the multipliers keep every value below 2^30 in magnitude (so finite,
// never NaN), VCVTPS2DQ returns rne(v) itself, the saturating pack to int16 keeps the order, and
// the clamp to the integer bounds [lo, hi] is done on 16 int16 lanes after it: clamping and
// rounding to integers commute, so the bytes are the same with 10 fewer operations per 32
// values (qadd: blazeface-back's residual adds, 15 % of its INT7 time).
#include <immintrin.h>

#include <cmath>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

inline __m256 Widen8(const int8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

inline __m256i ClipRound(__m256 v, __m256 lo, __m256 hi) {
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> 0
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, lo), hi));
}

// four vectors of 8 int32 within int8 range → 32 int8 in order
inline void Store32(int8_t* y, __m256i q0, __m256i q1, __m256i q2, __m256i q3) {
  const __m256i w = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// the same bytes from unclamped rne values (|v| < 2^31), clamped to [lo16, hi16] as int16
inline void Store32Clamp16(int8_t* y, __m256i q0, __m256i q1, __m256i q2, __m256i q3, __m256i lo16, __m256i hi16) {
  const __m256i a = _mm256_min_epi16(_mm256_max_epi16(_mm256_packs_epi32(q0, q1), lo16), hi16);
  const __m256i b = _mm256_min_epi16(_mm256_max_epi16(_mm256_packs_epi32(q2, q3), lo16), hi16);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// every |v| <= 128 * reach (times a few float roundings) stays below 2^30: the fast path is exact
inline bool Bounded(double reach) { return 128.0 * reach < 1073741824.0; }

// y[i, i + 32) for every whole 32 of [0, n), from value(j): the float values of elements
// j .. j + 7 before rounding. Returns how many were written (the scalar kernel does the rest).
// bounded: every |value| stays below 2^30 (Bounded), so the int16 clamp after rounding is exact.
template <class Value>
size_t Map32(size_t n, bool bounded, int32_t lo, int32_t hi, const Value& value, int8_t* y) {
  size_t i = 0;
  if (bounded) {
    const __m256i lo16 = _mm256_set1_epi16(static_cast<int16_t>(lo)), hi16 = _mm256_set1_epi16(static_cast<int16_t>(hi));
    for (; i + 32 <= n; i += 32) {
      __m256i q[4];
      for (int k = 0; k < 4; k++) q[k] = _mm256_cvtps_epi32(value(i + 8 * k));
      Store32Clamp16(y + i, q[0], q[1], q[2], q[3], lo16, hi16);
    }
    return i;
  }
  const __m256 l = _mm256_set1_ps(static_cast<float>(lo)), h = _mm256_set1_ps(static_cast<float>(hi));
  for (; i + 32 <= n; i += 32) {
    __m256i q[4];
    for (int k = 0; k < 4; k++) q[k] = ClipRound(value(i + 8 * k), l, h);
    Store32(y + i, q[0], q[1], q[2], q[3]);
  }
  return i;
}

}  // namespace

void AddS8Avx2(const int8_t* a, const int8_t* b, size_t n, float mult_a, float mult_b, int32_t lo, int32_t hi, int8_t* y) {
  const __m256 ma = _mm256_set1_ps(mult_a), mb = _mm256_set1_ps(mult_b);
  const bool bounded = Bounded(static_cast<double>(mult_a) + static_cast<double>(mult_b));
  const size_t i = Map32(n, bounded, lo, hi, [&](size_t j) { return _mm256_add_ps(_mm256_mul_ps(Widen8(a + j), ma), _mm256_mul_ps(Widen8(b + j), mb)); }, y);
  if (i < n) AddS8(a + i, b + i, n - i, mult_a, mult_b, lo, hi, y + i);
}

void RequantizeS8Avx2(const int8_t* x, size_t n, float mult, int32_t qmax, int8_t* y) {
  const __m256 m = _mm256_set1_ps(mult);
  const size_t i = Map32(n, Bounded(mult), -qmax, qmax, [&](size_t j) { return _mm256_mul_ps(Widen8(x + j), m); }, y);
  if (i < n) RequantizeS8(x + i, n - i, mult, qmax, y + i);
}

void MulScaleS8Avx2(const int8_t* x, size_t n, float g, float mult, int32_t qmax, int8_t* y) {
  const __m256 vg = _mm256_set1_ps(g), m = _mm256_set1_ps(mult);
  const bool bounded = Bounded(std::fabs(static_cast<double>(g)) * static_cast<double>(mult));  // false for a NaN g
  const size_t i = Map32(n, bounded, -qmax, qmax, [&](size_t j) { return _mm256_mul_ps(_mm256_mul_ps(Widen8(x + j), vg), m); }, y);
  if (i < n) MulScaleS8(x + i, n - i, g, mult, qmax, y + i);
}

void DequantizeS8ToF32Avx2(const int8_t* x, size_t n, float scale, float* y) {
  const float mult = static_cast<float>(1.0 / static_cast<double>(scale));
  const __m256 m = _mm256_set1_ps(mult);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(Widen8(x + i), m));
  if (i < n) DequantizeS8ToF32(x + i, n - i, scale, y + i);
}

}  // namespace kernels
}  // namespace eq
