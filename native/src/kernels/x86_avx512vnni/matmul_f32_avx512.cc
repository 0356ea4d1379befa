// AVX-512 FP32 MatMul: 8 rows x 16 columns of double accumulators (16 zmm), FMA.
#include <immintrin.h>

#include "kernels/matmul_f32.h"
#include "kernels/x86_avx2/matmul_f32_blocked.h"

namespace eq {
namespace kernels {
namespace {

struct Avx512 {
  using T = __m512d;
  static constexpr size_t kLanes = 8;
  static T Zero() { return _mm512_setzero_pd(); }
  static T Load(const double* p) { return _mm512_loadu_pd(p); }
  static T Set1(double v) { return _mm512_set1_pd(v); }
  static T Fma(T a, T b, T c) { return _mm512_fmadd_pd(a, b, c); }
  static void Store(double* p, T v) { _mm512_storeu_pd(p, v); }
};

}  // namespace

void MatMulF32Avx512(size_t M, size_t K, size_t N, const float* A, const float* B, float* C) { mmf32::MatMul<Avx512, 8, 2>(M, K, N, A, B, C); }

}  // namespace kernels
}  // namespace eq
