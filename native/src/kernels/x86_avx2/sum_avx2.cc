// AVX2 int8 plane sum for the global average pool: x ^ 0x80 is x + 128 as an unsigned byte,
// VPSADBW adds 8 of them at a time into 64-bit lanes, and 128 per byte comes off at the end.
// Exact integer sums in int64, so the same value as scalar SumS8.
#include <immintrin.h>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {

int64_t SumS8Avx2(const int8_t* x, size_t n) {
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80)), zero = _mm256_setzero_si256();
  __m256i acc = zero;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), flip);
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, zero));
  }
  const __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  const int64_t biased = _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1);
  int64_t s = biased - 128 * static_cast<int64_t>(i);
  for (; i < n; i++) s += x[i];
  return s;
}

}  // namespace kernels
}  // namespace eq
