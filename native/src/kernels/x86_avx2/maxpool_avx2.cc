// AVX2 build of the int8 max pooling (same source as the scalar one: scalar/maxpool_impl.h;
// with -mavx2 the compiler vectorises the running max and the row max with VPMAXSB), plus a
// hand-written horizontal pass for 3x3 stride-2 pools, where the compiler's stride-2 code is
// mostly scalar inserts and extracts.
#include <immintrin.h>

#include "kernels/kernels.h"
#include "kernels/scalar/maxpool_impl.h"

namespace eq {
namespace kernels {
namespace {

// 16 outputs per step (then 8): the 32 bytes from 2*ox split into their even and odd columns (shuffle
// within lanes, then qword permute), and the even columns of the 32 bytes from 2*ox + 2.
void RowMax3S2Avx2(const int8_t* r0, size_t ox0, size_t ox1, size_t avail, int8_t* h) {
  const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  size_t ox = ox0;
  for (; ox + 16 <= ox1 && 2 * ox + 34 <= avail; ox += 16) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 2 * ox));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 2 * ox + 2));
    a = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(a, split), 0xD8);  // [even 16 | odd 16]
    b = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(b, split), 0xD8);
    const __m128i m = _mm_max_epi8(_mm_max_epi8(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1)), _mm256_castsi256_si128(b));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + ox), m);
  }
  // 8 outputs per step for the short rows of late layers (e.g. 27 -> 13 columns)
  const __m128i split8 = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  for (; ox + 8 <= ox1 && 2 * ox + 18 <= avail; ox += 8) {
    const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + 2 * ox)), split8);      // [even 8 | odd 8]
    const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + 2 * ox + 2)), split8);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(h + ox), _mm_max_epi8(_mm_max_epi8(a, _mm_srli_si128(a, 8)), b));
  }
  RowMax3S2(r0, ox, ox1, avail, h);
}

// 2x2 stride 2: 16 outputs per step from the even and odd columns of 32 bytes
void RowMax2S2Avx2(const int8_t* r0, size_t ox0, size_t ox1, size_t avail, int8_t* h) {
  const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  size_t ox = ox0;
  for (; ox + 16 <= ox1 && 2 * ox + 32 <= avail; ox += 16) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 2 * ox));
    a = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(a, split), 0xD8);  // [even 16 | odd 16]
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + ox), _mm_max_epi8(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1)));
  }
  RowMax2S2(r0, ox, ox1, avail, h);
}

}  // namespace

void MaxPoolS8PlanesAvx2(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y) {
  MaxPoolPlanesImpl(x, g, plane0, plane1, y, RowMax3S2Avx2, RowMax2S2Avx2);
}

}  // namespace kernels
}  // namespace eq
