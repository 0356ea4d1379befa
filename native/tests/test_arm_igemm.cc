// ARM GEMM kernels (neon-int8-smlal, neon-int7-smlal, dotprod-sdot): what is compiled in and
// selected on this CPU (run-time detection + EQ_ISA), the int16 worst case (every product
// +qmax² or -qmax², which random signs almost never produce), strided B / C (ldb, ldc > N) with
// canaries around every buffer, and the selected kernels on conv-shaped GEMMs. Compiled in on
// aarch64 only; the generic odd-shape check of every kernel is test_igemm_scalar.cc.
#if defined(EQ_HAVE_NEON)

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "eqtest.h"
#include "kernels/igemm.h"

using namespace eq::kernels;
using eq::Isa;

namespace {

constexpr int32_t kCanary = 0x5a5a5a5a;
constexpr uint8_t kByteCanary = 0xa5;

bool IsArm(const IGemmKernel* k) { return k->isa == Isa::kNeon || k->isa == Isa::kDotprod; }

// Packs with strides ldb / ldc larger than N and checks that nothing outside the packed sizes
// and outside C's M×N window is written. Returns C as a dense M×N matrix.
std::vector<int32_t> RunStrided(const IGemmKernel* k, const std::vector<int8_t>& A, const std::vector<int8_t>& B, size_t ldb, size_t M, size_t N, size_t K,
                                size_t ldc, const char* what) {
  const size_t pa_n = k->packed_a_bytes(M, K), pb_n = k->packed_b_bytes(K, N);
  std::vector<uint8_t> pa(pa_n + 32, kByteCanary), pb(pb_n + 32, kByteCanary);
  k->pack_a(A.data(), M, K, pa.data());
  k->pack_b(B.data(), ldb, K, N, pb.data());
  size_t spill = 0;
  for (size_t i = pa_n; i < pa.size(); i++) spill += pa[i] != kByteCanary;
  for (size_t i = pb_n; i < pb.size(); i++) spill += pb[i] != kByteCanary;
  EQ_EXPECT(spill == 0) << k->name << " " << what << ": packing wrote past packed_*_bytes";
  std::vector<int32_t> C(M * ldc + 16, kCanary);
  k->run(pa.data(), pb.data(), M, N, K, C.data(), ldc);
  std::vector<int32_t> dense(M * N);
  size_t outside = 0;
  for (size_t i = 0; i < C.size(); i++) {
    const size_t m = i / ldc, n = i % ldc;
    if (m < M && n < N)
      dense[m * N + n] = C[i];
    else
      outside += C[i] != kCanary;
  }
  EQ_EXPECT(outside == 0) << k->name << " " << what << ": " << outside << " writes outside the M×N window of C";
  return dense;
}

std::vector<int32_t> Naive(const std::vector<int8_t>& A, const std::vector<int8_t>& B, size_t ldb, size_t M, size_t N, size_t K) {
  std::vector<int32_t> C(M * N, 0);
  for (size_t m = 0; m < M; m++)
    for (size_t k = 0; k < K; k++)
      for (size_t n = 0; n < N; n++) C[m * N + n] += A[m * K + k] * B[k * ldb + n];
  return C;
}

void Compare(const IGemmKernel* k, const std::vector<int32_t>& want, const std::vector<int32_t>& got, const std::string& what) {
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];
  EQ_EXPECT(bad == 0) << k->name << " " << what << ": " << bad << " of " << want.size() << " wrong";
}

}  // namespace

EQ_TEST(arm_igemm_kernels_detected_and_selected) {
  const IGemmKernel* ks[16];
  std::string names;
  const size_t n127 = ListIGemm(127, ks, 16);
  bool int8 = false, dot = false;
  for (size_t i = 0; i < n127; i++) {
    int8 = int8 || ks[i] == IGemmNeonInt8();
#if defined(EQ_HAVE_DOTPROD)
    dot = dot || ks[i] == IGemmDotprod();
#endif
    names += std::string(names.empty() ? "" : ",") + ks[i]->name;
  }
  const size_t n63 = ListIGemm(63, ks, 16);
  bool int7 = false;
  for (size_t i = 0; i < n63; i++) int7 = int7 || ks[i] == IGemmNeonInt7();
  const bool cpu_dot = eq::DetectIsa() == Isa::kDotprod;
  EQ_EXPECT(int8 && int7) << "NEON kernels missing from ListIGemm";
  EQ_EXPECT(dot == cpu_dot) << "dotprod kernel listed=" << dot << " but detected ISA is " << eq::IsaName(eq::DetectIsa());
  EQ_EXPECT(SelectIGemm(Isa::kNeon, 127) == IGemmNeonInt8());
  EQ_EXPECT(SelectIGemm(Isa::kNeon, 63) == IGemmNeonInt7());
  EQ_EXPECT(SelectIGemm(Isa::kScalar, 63) == IGemmScalar());
#if defined(EQ_HAVE_DOTPROD)
  if (cpu_dot) {
    EQ_EXPECT(SelectIGemm(Isa::kDotprod, 127) == IGemmDotprod());
    EQ_EXPECT(SelectIGemm(Isa::kDotprod, 63) == IGemmDotprod()) << "SDOT is as fast at INT7: no int16 path on dotprod";
  }
#endif
  std::printf("    arm: int8 kernels on this CPU: %s\n", names.c_str());
}

EQ_TEST(arm_igemm_int16_worst_case) {
  // All products of one sign: the largest partial sums the int16 lanes can see. A wrong
  // widening interval (3 products at INT8, 9 at INT7) overflows here for K >= 16.
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsArm(ks[i])) continue;
      for (size_t K : {16, 17, 48, 64, 65, 128, 200, 1040})
        for (int sign : {1, -1}) {
          const size_t M = 5, N = 6;
          std::vector<int8_t> A(M * K, static_cast<int8_t>(qmax)), B(K * N, static_cast<int8_t>(sign * qmax));
          const std::vector<int32_t> got = RunStrided(ks[i], A, B, N, M, N, K, N, "worst case");
          Compare(ks[i], Naive(A, B, N, M, N, K), got, "qmax=" + std::to_string(qmax) + " K=" + std::to_string(K) + " sign=" + std::to_string(sign));
        }
    }
  }
}

EQ_TEST(arm_igemm_strided_b_and_c) {
  eqtest::Rng r(41);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsArm(ks[i])) continue;
      for (size_t M : {3, 8, 13})
        for (size_t N : {4, 11, 16, 29})
          for (size_t K : {5, 16, 33, 100}) {
            const size_t ldb = N + 7, ldc = N + 3;
            std::vector<int8_t> A(M * K), B(K * ldb);
            for (auto& v : A) v = static_cast<int8_t>(r.Uniform(-qmax, qmax));
            for (auto& v : B) v = static_cast<int8_t>(r.Uniform(-qmax, qmax));
            const std::vector<int32_t> got = RunStrided(ks[i], A, B, ldb, M, N, K, ldc, "strided");
            Compare(ks[i], Naive(A, B, ldb, M, N, K), got, "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
          }
    }
  }
}

EQ_TEST(arm_igemm_selected_for_eq_isa_matches_scalar) {
  // The level EQ_ISA forces (or the detected one): the kernels a session would pick, on the
  // GEMM shapes of real layers (M = output channels, N = a column block, K = cin·kh·kw).
  eq::Isa level;
  const eq::Status st = eq::ResolveIsa("", &level);
  EQ_EXPECT(st.ok()) << st.message();
  if (!st.ok()) return;
  const IGemmKernel* k8 = SelectIGemm(level, 127);
  const IGemmKernel* k7 = SelectIGemm(level, 63);
  std::printf("    arm: ISA level %s -> int8 %s, int7 %s, dw3x3s1 %s\n", eq::IsaName(level), k8->name, k7->name, SelectDwConv(level, 3, 3, 1, 1, 1, 1)->name);
  eqtest::Rng r(42);
  const size_t shapes[][3] = {{64, 196, 27}, {16, 169, 64}, {64, 169, 16}, {48, 100, 144}, {24, 49, 576}, {10, 1, 1000},
                              {20, 150, 2304}};  // K = 3·3·256: several 128 KiB column blocks in run()
  for (const auto& s : shapes)
    for (const IGemmKernel* k : {k8, k7}) {
      const int32_t qmax = k == k8 ? 127 : 63;
      const size_t M = s[0], N = s[1], K = s[2];
      std::vector<int8_t> A(M * K), B(K * N);
      for (auto& v : A) v = static_cast<int8_t>(r.Uniform(-qmax, qmax));
      for (auto& v : B) v = static_cast<int8_t>(r.Uniform(-qmax, qmax));
      const std::vector<int32_t> got = RunStrided(k, A, B, N, M, N, K, N, "layer shape");
      Compare(k, RunStrided(IGemmScalar(), A, B, N, M, N, K, N, "layer shape"), got,
              "qmax=" + std::to_string(qmax) + " M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
    }
}

#endif  // EQ_HAVE_NEON
