// AVX2 micro-kernel of the integer Winograd tile GEMM: VPMADDWD on int16 pairs of input
// channels (each pair of products < 2^29, exact; winograd_math.h), VPADDD accumulation
// (wrapping int32, undone exactly by the chunked output transform). Register block: 16
// output channels (2 ymm) x up to 6 tiles = 12 accumulators; V is broadcast 32 bits (one
// channel pair of one tile) at a time.
#include <immintrin.h>

#include <cstring>

#include "kernels/scalar/winograd_driver.h"
#include "kernels/scalar/winograd_factories.h"

namespace eq {
namespace kernels {
namespace {

struct Avx2Kernel {
  static constexpr int CB = 16, NT = 6, TB = 24;
  static constexpr const char* isa = "avx2";

  // Accumulators are named variables (not an array) so GCC keeps them in registers.
  template <int N>
  static void GemmN(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int32_t* m, size_t ms) {
#define EQ_W256_DECL(t) __m256i a##t##0 = _mm256_setzero_si256(), a##t##1 = _mm256_setzero_si256();
#define EQ_W256_STEP(t)                                           \
  if constexpr (N > t) {                                          \
    int32_t pair;                                                 \
    std::memcpy(&pair, v + t * vs + 2 * k, sizeof(pair));         \
    const __m256i b = _mm256_set1_epi32(pair);                    \
    a##t##0 = _mm256_add_epi32(a##t##0, _mm256_madd_epi16(u0, b)); \
    a##t##1 = _mm256_add_epi32(a##t##1, _mm256_madd_epi16(u1, b)); \
  }
#define EQ_W256_STORE(t)                                                          \
  if constexpr (N > t) {                                                          \
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + t * ms), a##t##0);     \
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + t * ms + 8), a##t##1); \
  }
    EQ_W256_DECL(0) EQ_W256_DECL(1) EQ_W256_DECL(2) EQ_W256_DECL(3) EQ_W256_DECL(4) EQ_W256_DECL(5)
    for (size_t k = 0; k < kpairs; k++) {
      const __m256i u0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(u + k * 32));
      const __m256i u1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(u + k * 32 + 16));
      EQ_W256_STEP(0) EQ_W256_STEP(1) EQ_W256_STEP(2) EQ_W256_STEP(3) EQ_W256_STEP(4) EQ_W256_STEP(5)
    }
    EQ_W256_STORE(0) EQ_W256_STORE(1) EQ_W256_STORE(2) EQ_W256_STORE(3) EQ_W256_STORE(4) EQ_W256_STORE(5)
#undef EQ_W256_DECL
#undef EQ_W256_STEP
#undef EQ_W256_STORE
  }

  static void Gemm(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int nt, int32_t* m, size_t ms) { wino::GemmTiles<Avx2Kernel>(u, v, vs, kpairs, nt, m, ms); }
};

}  // namespace

std::unique_ptr<WinogradConv> MakeWinogradAvx2(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile) {
  return wino::MakeForTile<Avx2Kernel>(g, w, qmax, tile);
}

}  // namespace kernels
}  // namespace eq
