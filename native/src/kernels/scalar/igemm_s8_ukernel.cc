// Scalar int8 x int8 → int32 GEMM micro-kernel (reference). Row-major A [M][K] (weights),
// B [K][N] (packed activations), C [M][N]. Exact: integer arithmetic, no rounding.
#include "kernels/kernels.h"

namespace eq {
namespace kernels {

void IGemmS8S8S32(size_t M, size_t N, size_t K, const int8_t* A, size_t lda, const int8_t* B, size_t ldb, int32_t* C, size_t ldc) {
  for (size_t m = 0; m < M; m++) {
    int32_t* c = C + m * ldc;
    for (size_t n = 0; n < N; n++) c[n] = 0;
    const int8_t* a = A + m * lda;
    for (size_t k = 0; k < K; k++) {
      const int32_t av = a[k];
      if (av == 0) continue;
      const int8_t* b = B + k * ldb;
      for (size_t n = 0; n < N; n++) c[n] += av * static_cast<int32_t>(b[n]);
    }
  }
}

}  // namespace kernels
}  // namespace eq
