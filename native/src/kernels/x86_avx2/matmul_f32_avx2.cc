// AVX2 FP32 MatMul: 6 rows x 8 columns of double accumulators (12 ymm), FMA.
#include <immintrin.h>

#include "kernels/matmul_f32.h"
#include "kernels/x86_avx2/matmul_f32_blocked.h"

namespace eq {
namespace kernels {
namespace {

struct Avx2 {
  using T = __m256d;
  static constexpr size_t kLanes = 4;
  static T Zero() { return _mm256_setzero_pd(); }
  static T Load(const double* p) { return _mm256_loadu_pd(p); }
  static T Set1(double v) { return _mm256_set1_pd(v); }
  static T Fma(T a, T b, T c) { return _mm256_fmadd_pd(a, b, c); }
  static void Store(double* p, T v) { _mm256_storeu_pd(p, v); }
};

}  // namespace

void MatMulF32Avx2(size_t M, size_t K, size_t N, const float* A, const float* B, float* C) { mmf32::MatMul<Avx2, 6, 2>(M, K, N, A, B, C); }

}  // namespace kernels
}  // namespace eq
