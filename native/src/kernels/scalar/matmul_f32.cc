// Scalar FP32 MatMul (contract in kernels/matmul_f32.h): a row of double accumulators swept
// along B's rows, each output summing its terms in k order.
#include <algorithm>
#include <vector>

#include "kernels/matmul_f32.h"

namespace eq {
namespace kernels {

void MatMulF32(size_t M, size_t K, size_t N, const float* A, const float* B, float* C) {
  std::vector<double> acc(N);
  for (size_t m = 0; m < M; m++) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (size_t k = 0; k < K; k++) {
      const double av = A[m * K + k];
      const float* br = B + k * N;
      for (size_t n = 0; n < N; n++) acc[n] += av * static_cast<double>(br[n]);
    }
    for (size_t n = 0; n < N; n++) C[m * N + n] = static_cast<float>(acc[n]);
  }
}

}  // namespace kernels
}  // namespace eq
