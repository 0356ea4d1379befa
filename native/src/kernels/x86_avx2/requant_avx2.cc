// AVX2 output stage for int8 outputs in NCHW rows (pstride 1, no tap): bit-exact with
// scalar/requant_output.cc because every step is the same IEEE operation —
//   a = acc + bias            int32 add; a lane that overflows sends the block to the scalar
//                             path, which reports the channel
//   v = float(a) * M_c        VCVTDQ2PS and VMULPS round to nearest even, like the scalar casts
//                             (no FMA: the build uses -ffp-contract=off)
//   q = clip(rne(v), lo, hi)  clamping v to [lo, hi] first and then rounding (VCVTPS2DQ, MXCSR
//                             round-to-nearest-even) gives the same integer as rounding first,
//                             because lo and hi are integers; v is never NaN (finite a and M_c)
// Other layouts (gemm outputs, taps) use the scalar stage.
#include <immintrin.h>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {

bool OutputStageS8Avx2(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                       size_t pstride, float* tap, size_t* bad_channel) {
  if (tap || pstride != 1) return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(s.lo)), hi = _mm256_set1_ps(static_cast<float>(s.hi));
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t* row = acc + i * ld_acc;
    int8_t* o = out + c * cstride + p0;
    const __m256i b = _mm256_set1_epi32(s.bias[c]);
    const __m256 m = _mm256_set1_ps(s.mult[c]);
    size_t p = 0;
    __m256i ovf = _mm256_setzero_si256();
    for (; p + 16 <= np; p += 16) {
      const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + p));
      const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + p + 8));
      const __m256i s0 = _mm256_add_epi32(a0, b), s1 = _mm256_add_epi32(a1, b);
      // signed overflow: both operands differ in sign from the sum
      ovf = _mm256_or_si256(ovf, _mm256_and_si256(_mm256_xor_si256(a0, s0), _mm256_xor_si256(b, s0)));
      ovf = _mm256_or_si256(ovf, _mm256_and_si256(_mm256_xor_si256(a1, s1), _mm256_xor_si256(b, s1)));
      const __m256 v0 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s0), m), lo), hi);
      const __m256 v1 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s1), m), lo), hi);
      const __m256i q0 = _mm256_cvtps_epi32(v0), q1 = _mm256_cvtps_epi32(v1);
      // int32 → int16 → int8 (values are already in [lo, hi] ⊂ [-127, 127]); packs interleave lanes
      const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xd8);
      const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + p), bytes);
    }
    if (_mm256_movemask_ps(_mm256_castsi256_ps(ovf)) != 0)
      return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);  // reports the channel
    if (p < np && !OutputStageS8(row + p, ld_acc, c, 1, p0 + p, np - p, s, out, cstride, pstride, nullptr, bad_channel)) return false;
  }
  return true;
}

}  // namespace kernels
}  // namespace eq
