// AVX-512 output stage for int8 outputs in NCHW rows (pstride 1, no tap): the AVX2 stage's
// arithmetic (x86_avx2/requant_avx2.cc explains why it is bit-exact with the scalar stage) on
// 16 lanes, with the narrowing done by VPMOVSDB (values are already in [lo, hi]) and the row's
// last np % 16 elements handled by masked loads and stores instead of a padded copy. A zero
// offset z clamps to [lo + z, hi + z] and is subtracted before the narrowing, as there.
// The output stage was the largest single item of MobileNet v1 0.25's profile (every layer's
// outputs pass through it once), and this halves its instructions per output.
#include <immintrin.h>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

// 16 (or the `k` masked) outputs; returns the lanes whose acc + bias overflowed
inline __mmask16 Requant16(const int32_t* row, __mmask16 k, __m512i b, __m512 m, __m512 lo, __m512 hi, __m512i z, int8_t* o) {
  const __m512i a = _mm512_maskz_loadu_epi32(k, row);
  const __m512i s = _mm512_add_epi32(a, b);
  const __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s), m), lo), hi);
  _mm_mask_storeu_epi8(o, k, _mm512_cvtsepi32_epi8(_mm512_sub_epi32(_mm512_cvtps_epi32(v), z)));
  // signed overflow: a and b have the same sign and s the other one
  return k & _mm512_movepi32_mask(_mm512_and_si512(_mm512_xor_si512(a, s), _mm512_xor_si512(b, s)));
}

}  // namespace

bool OutputStageS8Avx512(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out,
                         size_t cstride, size_t pstride, float* tap, size_t* bad_channel) {
  if (tap || pstride != 1) return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);
  const __m512 lo = _mm512_set1_ps(static_cast<float>(s.lo + s.zero)), hi = _mm512_set1_ps(static_cast<float>(s.hi + s.zero));
  const __m512i z = _mm512_set1_epi32(s.zero);
  const __mmask16 tail = static_cast<__mmask16>((1u << (np % 16)) - 1);
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t* row = acc + i * ld_acc;
    int8_t* o = out + c * cstride + p0;
    const __m512i b = _mm512_set1_epi32(s.bias[c]);
    const __m512 m = _mm512_set1_ps(s.mult[c]);
    size_t p = 0;
    __mmask16 ovf = 0;
    for (; p + 16 <= np; p += 16) ovf |= Requant16(row + p, 0xffff, b, m, lo, hi, z, o + p);
    if (p < np) ovf |= Requant16(row + p, tail, b, m, lo, hi, z, o + p);
    if (ovf) return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);  // reports the channel
  }
  return true;
}

}  // namespace kernels
}  // namespace eq
