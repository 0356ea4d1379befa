// Scalar int8 x int8 → int32 GEMM: the reference every SIMD kernel must match bit for bit.
// Packing is the identity (A stays [M][K], B is copied to [K][N]), so the scalar path also
// serves as the template of the IGemmKernel contract.
#include <cstring>

#include "kernels/igemm.h"
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

namespace {

size_t PackedABytes(size_t M, size_t K) { return M * K; }
void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) { std::memcpy(dst, A, M * K); }
size_t PackedBBytes(size_t K, size_t N) { return K * N; }
void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) {
  for (size_t k = 0; k < K; k++) std::memcpy(dst + k * N, B + k * ldb, N);
}
void Run(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  IGemmS8S8S32(M, N, K, reinterpret_cast<const int8_t*>(pa), K, reinterpret_cast<const int8_t*>(pb), N, C, ldc);
}

const IGemmKernel kScalar{"scalar", Isa::kScalar, 127, PackedABytes, PackA, PackedBBytes, PackB, Run};

}  // namespace

const IGemmKernel* IGemmScalar() { return &kScalar; }

}  // namespace kernels
}  // namespace eq
