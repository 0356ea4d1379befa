// AVX-512 VNNI micro-kernel of the integer Winograd tile GEMM: VPDPWSSD (int16 pairs
// multiplied and added to int32 in one instruction; the pair sum is < 2^29 and the int32
// accumulation wraps, both exact as winograd_math.h shows). Register block: 64 output
// channels (4 zmm) x up to 6 tiles = 24 accumulators; V is broadcast 32 bits at a time, so a
// k step is 4 loads + 6 broadcasts for 24 VPDPWSSD (a 32 x 12 block measured no faster and
// needs 12 tile pointers).
#include <immintrin.h>

#include <cstring>

#include "kernels/scalar/winograd_driver.h"
#include "kernels/scalar/winograd_factories.h"

namespace eq {
namespace kernels {
namespace {

struct Avx512Kernel {
  static constexpr int CB = 64, NT = 6, TB = 12;
  static constexpr const char* isa = "avx512vnni";

  // Accumulators are named variables (not an array): GCC keeps an array of __m512i in
  // memory across the k loop, which spills every VPDPWSSD result to the stack.
  template <int N>
  static void GemmN(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int32_t* m, size_t ms) {
#define EQ_W512_DECL(t) __m512i a##t##0 = _mm512_setzero_si512(), a##t##1 = _mm512_setzero_si512(), a##t##2 = _mm512_setzero_si512(), a##t##3 = _mm512_setzero_si512();
#define EQ_W512_STEP(t)                                    \
  if constexpr (N > t) {                                   \
    int32_t pair;                                          \
    std::memcpy(&pair, v + t * vs + 2 * k, sizeof(pair));  \
    const __m512i b = _mm512_set1_epi32(pair);             \
    a##t##0 = _mm512_dpwssd_epi32(a##t##0, u0, b);         \
    a##t##1 = _mm512_dpwssd_epi32(a##t##1, u1, b);         \
    a##t##2 = _mm512_dpwssd_epi32(a##t##2, u2, b);         \
    a##t##3 = _mm512_dpwssd_epi32(a##t##3, u3, b);         \
  }
#define EQ_W512_STORE(t)                                                    \
  if constexpr (N > t) {                                                    \
    _mm512_storeu_si512(reinterpret_cast<void*>(m + t * ms), a##t##0);      \
    _mm512_storeu_si512(reinterpret_cast<void*>(m + t * ms + 16), a##t##1); \
    _mm512_storeu_si512(reinterpret_cast<void*>(m + t * ms + 32), a##t##2); \
    _mm512_storeu_si512(reinterpret_cast<void*>(m + t * ms + 48), a##t##3); \
  }
    EQ_W512_DECL(0) EQ_W512_DECL(1) EQ_W512_DECL(2) EQ_W512_DECL(3) EQ_W512_DECL(4) EQ_W512_DECL(5)
    for (size_t k = 0; k < kpairs; k++) {
      const __m512i u0 = _mm512_load_si512(reinterpret_cast<const void*>(u + k * 128));
      const __m512i u1 = _mm512_load_si512(reinterpret_cast<const void*>(u + k * 128 + 32));
      const __m512i u2 = _mm512_load_si512(reinterpret_cast<const void*>(u + k * 128 + 64));
      const __m512i u3 = _mm512_load_si512(reinterpret_cast<const void*>(u + k * 128 + 96));
      EQ_W512_STEP(0) EQ_W512_STEP(1) EQ_W512_STEP(2) EQ_W512_STEP(3) EQ_W512_STEP(4) EQ_W512_STEP(5)
    }
    EQ_W512_STORE(0) EQ_W512_STORE(1) EQ_W512_STORE(2) EQ_W512_STORE(3) EQ_W512_STORE(4) EQ_W512_STORE(5)
#undef EQ_W512_DECL
#undef EQ_W512_STEP
#undef EQ_W512_STORE
  }

  static void Gemm(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int nt, int32_t* m, size_t ms) { wino::GemmTiles<Avx512Kernel>(u, v, vs, kpairs, nt, m, ms); }
};

}  // namespace

std::unique_ptr<WinogradConv> MakeWinogradAvx512(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile) {
  return wino::MakeForTile<Avx512Kernel>(g, w, qmax, tile);
}

}  // namespace kernels
}  // namespace eq
