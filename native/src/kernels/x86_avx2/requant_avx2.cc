// AVX2 output stage for int8 outputs in NCHW rows (pstride 1, no tap): bit-exact with
// scalar/requant_output.cc because every step is the same IEEE operation —
//   a = acc + bias            int32 add; a lane that overflows sends the block to the scalar
//                             path, which reports the channel
//   v = float(a) * M_c        VCVTDQ2PS and VMULPS round to nearest even, like the scalar casts
//                             (no FMA: the build uses -ffp-contract=off)
//   q = clip(rne(v), lo, hi)  clamping v to [lo, hi] first and then rounding (VCVTPS2DQ, MXCSR
//                             round-to-nearest-even) gives the same integer as rounding first,
//                             because lo and hi are integers; v is never NaN (finite a and M_c)
//   zero offset z             the clamp is to [lo + z, hi + z] and z is subtracted from the
//                             rounded int32 before the narrowing (z = 0: the same bytes)
// Float outputs (OutputStageF32Avx2): y = act(float(a) * D_c) with the activation bounds
// compared as floats that are equivalent to the scalar stage's double comparisons.
// A row's last np % 16 (or % 8) elements go through the same vector code on a zero-padded copy.
// Other layouts (gemm outputs, taps) use the scalar stage.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar/act_bounds.h"
#include "kernels/x86_avx2/requant_avx2.h"

namespace eq {
namespace kernels {
namespace {

// signed overflow of s = a + b: a and b have the same sign and s the other one
inline __m256i Overflow(__m256i a, __m256i b, __m256i s) { return _mm256_and_si256(_mm256_xor_si256(a, s), _mm256_xor_si256(b, s)); }

// 16 int8 outputs from 16 accumulators (lo/hi: the clamp plus z); returns the overflow lanes
inline __m256i Requant16(const int32_t* row, __m256i b, __m256 m, const RequantBounds& k, int8_t* o) {
  const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row));
  const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 8));
  const __m256i s0 = _mm256_add_epi32(a0, b), s1 = _mm256_add_epi32(a1, b);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o), RequantPack<false, false>(s0, s1, m, k));
  return _mm256_or_si256(Overflow(a0, b, s0), Overflow(a1, b, s1));
}

// 8 float outputs y = act(float(a + b) * m); returns the overflow lanes of a + b.
// v < act_min (double) ⟺ v < the smallest float >= act_min; likewise for act_max.
struct F32Step {
  __m256 lo_cmp, hi_cmp, lo_val, hi_val;
  explicit F32Step(const OutputStage& s)
      : lo_cmp(_mm256_set1_ps(s.has_act ? FloatCeil(s.act_min) : -INFINITY)),
        hi_cmp(_mm256_set1_ps(s.has_act ? FloatFloor(s.act_max) : INFINITY)),
        lo_val(_mm256_set1_ps(static_cast<float>(s.act_min))),
        hi_val(_mm256_set1_ps(static_cast<float>(s.act_max))) {}
  __m256i operator()(const int32_t* a, __m256i b, __m256 m, float* y) const {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
    const __m256i sum = _mm256_add_epi32(x, b);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(sum), m);
    v = _mm256_blendv_ps(v, lo_val, _mm256_cmp_ps(v, lo_cmp, _CMP_LT_OQ));
    v = _mm256_blendv_ps(v, hi_val, _mm256_cmp_ps(v, hi_cmp, _CMP_GT_OQ));
    _mm256_storeu_ps(y, v);
    return Overflow(x, b, sum);
  }
};

// One output position of channels [c0, c0 + nc), all contiguous (a classifier: a matrix-vector
// product whose float logits are one row): 8 channels per vector with their own bias and
// multiplier, where the row-by-row path did one channel at a time (1.6 % of MobileNet v1 0.25,
// 1001 logits). The same arithmetic as the rows below.
bool ColumnF32(const int32_t* acc, size_t c0, size_t nc, const OutputStage& s, float* out, size_t* bad_channel) {
  const F32Step step(s);
  size_t i = 0;
  __m256i ovf = _mm256_setzero_si256();
  for (; i + 8 <= nc; i += 8) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s.bias + c0 + i));
    ovf = _mm256_or_si256(ovf, step(acc + i, b, _mm256_loadu_ps(s.mult + c0 + i), out + c0 + i));
  }
  // the last channels, and a report of the overflowing one, by the scalar stage
  if (_mm256_movemask_ps(_mm256_castsi256_ps(ovf)) != 0) return OutputStageF32(acc, 1, c0, nc, 0, 1, s, out, 1, 1, nullptr, bad_channel);
  return i == nc || OutputStageF32(acc + i, 1, c0 + i, nc - i, 0, 1, s, out, 1, 1, nullptr, bad_channel);
}

}  // namespace

bool OutputStageS8Avx2(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                       size_t pstride, float* tap, size_t* bad_channel) {
  if (tap || pstride != 1) return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);
  const RequantBounds k = MakeRequantBounds(s.lo, s.hi, s.zero, false);
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t* row = acc + i * ld_acc;
    int8_t* o = out + c * cstride + p0;
    const __m256i b = _mm256_set1_epi32(s.bias[c]);
    const __m256 m = _mm256_set1_ps(s.mult[c]);
    size_t p = 0;
    __m256i ovf = _mm256_setzero_si256();
    for (; p + 16 <= np; p += 16) ovf = _mm256_or_si256(ovf, Requant16(row + p, b, m, k, o + p));
    if (p < np) {
      // the tail through the same vector code on a zero-padded copy (0 + bias cannot overflow)
      alignas(32) int32_t tail[16] = {};
      alignas(16) int8_t bytes[16];
      std::memcpy(tail, row + p, (np - p) * sizeof(int32_t));
      ovf = _mm256_or_si256(ovf, Requant16(tail, b, m, k, bytes));
      std::memcpy(o + p, bytes, np - p);
    }
    if (_mm256_movemask_ps(_mm256_castsi256_ps(ovf)) != 0)
      return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);  // reports the channel
  }
  return true;
}

bool OutputStageF32Avx2(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, float* out, size_t cstride,
                        size_t pstride, float* tap, size_t* bad_channel) {
  if (!tap && np == 1 && ld_acc == 1 && cstride == 1) return ColumnF32(acc, c0, nc, s, out + p0 * pstride, bad_channel);
  if (tap || pstride != 1) return OutputStageF32(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);
  const F32Step step(s);
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t* row = acc + i * ld_acc;
    float* o = out + c * cstride + p0;
    const __m256i b = _mm256_set1_epi32(s.bias[c]);
    const __m256 m = _mm256_set1_ps(s.mult[c]);
    size_t p = 0;
    __m256i ovf = _mm256_setzero_si256();
    for (; p + 8 <= np; p += 8) ovf = _mm256_or_si256(ovf, step(row + p, b, m, o + p));
    if (p < np) {
      alignas(32) int32_t tail[8] = {};
      alignas(32) float ys[8];
      std::memcpy(tail, row + p, (np - p) * sizeof(int32_t));
      ovf = _mm256_or_si256(ovf, step(tail, b, m, ys));
      std::memcpy(o + p, ys, (np - p) * sizeof(float));
    }
    if (_mm256_movemask_ps(_mm256_castsi256_ps(ovf)) != 0)
      return OutputStageF32(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);  // reports the channel
  }
  return true;
}

}  // namespace kernels
}  // namespace eq
