// The scalar IGemmKernel against a naive triple loop, and every other compiled-in kernel
// (every ISA this CPU runs) against the scalar one, over odd shapes.
#include <vector>

#include "eqtest.h"
#include "kernels/igemm.h"

using namespace eq::kernels;

namespace {

std::vector<int32_t> RunKernel(const IGemmKernel* k, const std::vector<int8_t>& A, const std::vector<int8_t>& B, size_t M, size_t N, size_t K) {
  std::vector<uint8_t> pa(k->packed_a_bytes(M, K) + 64), pb(k->packed_b_bytes(K, N) + 64);
  k->pack_a(A.data(), M, K, pa.data());
  k->pack_b(B.data(), N, K, N, pb.data());
  std::vector<int32_t> C(M * N, 0x5a5a5a5a);
  k->run(pa.data(), pb.data(), M, N, K, C.data(), N);
  return C;
}

}  // namespace

EQ_TEST(igemm_scalar_matches_naive) {
  eqtest::Rng r(1);
  for (size_t M : {1, 3, 17}) for (size_t N : {1, 5, 33}) for (size_t K : {1, 9, 70}) {
    std::vector<int8_t> A(M * K), B(K * N);
    for (auto& v : A) v = static_cast<int8_t>(r.Uniform(-127, 127));
    for (auto& v : B) v = static_cast<int8_t>(r.Uniform(-127, 127));
    const std::vector<int32_t> C = RunKernel(IGemmScalar(), A, B, M, N, K);
    for (size_t m = 0; m < M; m++) for (size_t n = 0; n < N; n++) {
      int32_t s = 0;
      for (size_t k = 0; k < K; k++) s += A[m * K + k] * B[k * N + n];
      EQ_EXPECT(C[m * N + n] == s) << "M=" << M << " N=" << N << " K=" << K;
    }
  }
}

EQ_TEST(igemm_every_isa_matches_scalar) {
  eqtest::Rng r(2);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      for (size_t M : {1, 2, 7, 16, 33, 64}) for (size_t N : {1, 3, 8, 15, 31, 64, 197}) for (size_t K : {1, 2, 3, 4, 7, 8, 27, 64, 145, 576}) {
        std::vector<int8_t> A(M * K), B(K * N);
        // extremes included: all ±qmax is the worst case for int16 intermediates
        const bool extreme = r.Uniform(0, 3) == 0;
        for (auto& v : A) v = static_cast<int8_t>(extreme ? (r.Uniform(0, 1) ? qmax : -qmax) : r.Uniform(-qmax, qmax));
        for (auto& v : B) v = static_cast<int8_t>(extreme ? (r.Uniform(0, 1) ? qmax : -qmax) : r.Uniform(-qmax, qmax));
        const std::vector<int32_t> want = RunKernel(IGemmScalar(), A, B, M, N, K);
        const std::vector<int32_t> got = RunKernel(ks[i], A, B, M, N, K);
        size_t bad = 0;
        for (size_t j = 0; j < want.size(); j++) bad += want[j] != got[j];
        EQ_EXPECT(bad == 0) << ks[i]->name << " qmax=" << qmax << " M=" << M << " N=" << N << " K=" << K << ": " << bad << " wrong";
      }
    }
  }
}
