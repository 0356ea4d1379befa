// The AVX2 and AVX-512 FP32 MatMul against the scalar one, bit for bit: row counts around the
// tile heights (6, 8), column counts around the 8/16-column blocks (tails), K from 1 to past
// a hundred, values of mixed magnitude (cancellation), and ±0, ±inf, NaN in A.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "eqtest.h"
#include "kernels/matmul_f32.h"

using namespace eq::kernels;

#if defined(EQ_HAVE_AVX2)

namespace {

// identical bits, or both NaN
bool SameF32(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

void CheckAgainstScalar(MatMulF32Fn fn, const char* name, uint32_t seed) {
  eqtest::Rng r(seed);
  const float inf = std::numeric_limits<float>::infinity();
  for (size_t M : {1, 5, 6, 7, 8, 9, 17, 40})
    for (size_t N : {1, 7, 8, 9, 16, 17, 33, 70})
      for (size_t K : {1, 3, 16, 120}) {
        std::vector<float> A(M * K), B(K * N);
        for (auto& a : A) a = static_cast<float>(r.Uniform(-1000000, 1000000)) * std::ldexp(1.0f, r.Uniform(-30, 4));
        for (auto& b : B) b = static_cast<float>(r.Uniform(-1000000, 1000000)) / 7.0f * std::ldexp(1.0f, r.Uniform(-30, 4));
        if (M * K > 4) {
          A[0] = -0.0f;
          A[1] = inf;
          A[2] = -inf;
          A[3] = std::numeric_limits<float>::quiet_NaN();
        }
        std::vector<float> want(M * N + 4, 7.f), got(M * N + 4, 7.f);  // guard tail stays 7
        MatMulF32(M, K, N, A.data(), B.data(), want.data());
        fn(M, K, N, A.data(), B.data(), got.data());
        size_t bad = 0;
        for (size_t i = 0; i < want.size(); i++) bad += !SameF32(want[i], got[i]);
        EQ_EXPECT(bad == 0) << name << " M=" << M << " K=" << K << " N=" << N << ": " << bad << " values differ";
      }
}

}  // namespace

EQ_TEST(x86_matmul_f32_avx2_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  CheckAgainstScalar(MatMulF32Avx2, "avx2", 91);
}

#if defined(EQ_HAVE_AVX512VNNI)
EQ_TEST(x86_matmul_f32_avx512_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  CheckAgainstScalar(MatMulF32Avx512, "avx512", 92);
}
#endif

#endif
