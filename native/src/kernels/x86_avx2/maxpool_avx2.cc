// AVX2 build of the int8 max pooling (same source as the scalar one: scalar/maxpool_impl.h;
// with -mavx2 the compiler vectorises the running max and the row max with VPMAXSB), plus
// hand-written passes for 3x3 stride-2 pools, where the compiler's stride-2 code is mostly
// scalar inserts and extracts.
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

// The full 3x3 window from three rows, the vertical max kept in registers: per step, a = the
// rows' max over bytes 2ox.., b = over bytes 2ox+1..; output o = max(a[2o], a[2o+1], b[2o+1])
// (even and odd columns of a, odd columns of b), so a step of n outputs reads exactly bytes
// 2ox .. 2ox+2n (the step schedule: Rows3Max3S2Steps).
void Rows3Max3S2Avx2(const int8_t* r0, const int8_t* r1, const int8_t* r2, size_t ox0, size_t ox1, size_t avail, int8_t* h) {
  const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  const __m128i split8 = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  const auto load3 = [&](size_t i) {
    const auto ld = [&](const int8_t* r) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + i)); };
    return _mm256_max_epi8(_mm256_max_epi8(ld(r0), ld(r1)), ld(r2));
  };
  const auto load3x16 = [&](size_t i) {
    const auto ld = [&](const int8_t* r) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i)); };
    return _mm_max_epi8(_mm_max_epi8(ld(r0), ld(r1)), ld(r2));
  };
  const auto step16 = [&](size_t o) {
    const __m256i a = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(load3(2 * o), split), 0xD8);      // [even 16 | odd 16]
    const __m256i b = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(load3(2 * o + 1), split), 0xD8);  // odd half: bytes 2o+2, ..
    const __m128i m = _mm_max_epi8(_mm_max_epi8(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1)), _mm256_extracti128_si256(b, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + o), m);
  };
  const auto step8 = [&](size_t o) {
    const __m128i a = _mm_shuffle_epi8(load3x16(2 * o), split8);  // [even 8 | odd 8]
    const __m128i b = _mm_shuffle_epi8(load3x16(2 * o + 1), split8);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(h + o), _mm_max_epi8(_mm_max_epi8(a, _mm_srli_si128(a, 8)), _mm_srli_si128(b, 8)));
  };
  Rows3Max3S2Steps(step16, step8, r0, r1, r2, ox0, ox1, avail, h);
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
  MaxPoolPlanesImpl(x, g, plane0, plane1, y, RowMax3S2Avx2, RowMax2S2Avx2, Rows3Max3S2Avx2);
}

}  // namespace kernels
}  // namespace eq
