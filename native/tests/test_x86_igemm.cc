// The x86 GEMM kernels (AVX2 INT8/INT7, AVX-512 VNNI, AMX) against the scalar reference on what the
// generic every-ISA test does not reach: K beyond one cache block (K-blocked accumulation into
// C), several full column panels plus ragged edges, B rows whose stride aliases in L1, row counts around the MR tile, ldb/ldc wider
// than N (sub-blocks of a larger im2col/output), and no writes outside the M x N window of C;
// and the fused int8 output (run_s8) against run + the scalar output stage.
// Kernels the CPU cannot run are skipped (ListIGemm only lists runnable ones).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "eqtest.h"
#include "kernels/igemm.h"
#include "kernels/isa.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

namespace {

constexpr int32_t kGuard = 0x5a5a5a5a;

bool IsX86(const IGemmKernel* k) { return k->isa == eq::Isa::kAvx2 || k->isa == eq::Isa::kAvx512Vnni || k->isa == eq::Isa::kAmx; }

// C = A·B through the kernel, A [M][K], B [K][ldb] (first N columns used), C [M][ldc].
std::vector<int32_t> Gemm(const IGemmKernel* k, const std::vector<int8_t>& A, const std::vector<int8_t>& B, size_t ldb, size_t M, size_t N, size_t K,
                          size_t ldc) {
  // exact-size packed buffers: an over-read shows up under -DEQ_SANITIZE=ON
  std::vector<uint8_t> pa(k->packed_a_bytes(M, K)), pb(k->packed_b_bytes(K, N));
  k->pack_a(A.data(), M, K, pa.data());
  k->pack_b(B.data(), ldb, K, N, pb.data());
  std::vector<int32_t> C(M * ldc, kGuard);
  k->run(pa.data(), pb.data(), M, N, K, C.data(), ldc);
  return C;
}

void Fill(eqtest::Rng& r, std::vector<int8_t>& v, int32_t qmax, int mode) {
  for (auto& x : v) {
    if (mode == 0) x = static_cast<int8_t>(r.Uniform(-qmax, qmax));
    else if (mode == 1) x = static_cast<int8_t>(r.Uniform(0, 1) ? qmax : -qmax);
    else x = static_cast<int8_t>(mode == 2 ? qmax : -qmax);  // all equal: the largest |partial sums|
  }
}

void CheckShape(const IGemmKernel* k, int32_t qmax, size_t M, size_t N, size_t K, size_t ldb, size_t ldc, int modeA, int modeB, eqtest::Rng& r) {
  std::vector<int8_t> A(M * K), B(K * ldb);
  Fill(r, A, qmax, modeA);
  Fill(r, B, qmax, modeB);
  const std::vector<int32_t> want = Gemm(IGemmScalar(), A, B, ldb, M, N, K, ldc);
  const std::vector<int32_t> got = Gemm(k, A, B, ldb, M, N, K, ldc);
  size_t bad = 0, outside = 0;
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < ldc; n++) {
      if (n < N) bad += want[m * ldc + n] != got[m * ldc + n];
      else outside += got[m * ldc + n] != kGuard;
    }
  EQ_EXPECT(bad == 0 && outside == 0) << k->name << " qmax=" << qmax << " M=" << M << " N=" << N << " K=" << K << " ldb=" << ldb << " ldc=" << ldc
                                      << " modes=" << modeA << modeB << ": " << bad << " wrong, " << outside << " written outside";
}

}  // namespace

EQ_TEST(x86_igemm_k_blocking_and_panels) {
  eqtest::Rng r(31);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsX86(ks[i])) continue;
      for (size_t K : {511, 512, 513, 1023, 1024, 1025, 2309, 4608})
        for (size_t M : {5, 8, 13}) for (size_t N : {49, 96, 113}) CheckShape(ks[i], qmax, M, N, K, N, N, 0, 0, r);
    }
  }
}

EQ_TEST(x86_igemm_tile_edges_and_strides) {
  eqtest::Rng r(32);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsX86(ks[i])) continue;
      for (size_t M = 1; M <= 17; M++)
        for (size_t N : {1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 47, 48, 49, 64, 65, 97})
          for (size_t K : {1, 3, 5, 8, 9, 27}) CheckShape(ks[i], qmax, M, N, K, N + 5, N + 3, 0, 0, r);
    }
  }
}

// B rows a multiple of 1, 2 or 4 KiB apart (a 1x1 convolution's input planes): the x86 B packs
// then loop over k outside and panels inside (igemm_blocking_x86.h, PackKOutside); the same
// bytes as the other order, so the same C as the scalar kernel. K from a few quads to many,
// ragged panels, and an ldb whose rows cycle through 4 sets (1 KiB).
EQ_TEST(x86_igemm_packs_aliasing_rows) {
  eqtest::Rng r(36);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsX86(ks[i])) continue;
      for (size_t ldb : {1024, 4096, 16384})
        for (size_t K : {9, 24, 40, 100})
          for (size_t N : {17, 64, 200}) CheckShape(ks[i], qmax, 7, N, K, ldb, N, 0, 0, r);
    }
  }
}

EQ_TEST(x86_igemm_extremes) {
  // all ±qmax, and all-equal signs (every product at its maximum, same sign): the worst case
  // for the int16 intermediates of the INT7 kernel and for the offset corrections
  eqtest::Rng r(33);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsX86(ks[i])) continue;
      for (int ma = 1; ma <= 3; ma++)
        for (int mb = 1; mb <= 3; mb++)
          for (size_t K : {8, 64, 1031, 4608}) {
            CheckShape(ks[i], qmax, 9, 37, K, 37, 37, ma, mb, r);
            CheckShape(ks[i], qmax, 9, 1, K, 1, 3, ma, mb, r);  // N = 1: the INT7 kernel's matrix-vector path
          }
    }
  }
}

EQ_TEST(x86_igemm_max_k) {
  // K at the loader's limit with every product at +-qmax^2: the sums (and the offset-trick
  // corrections, up to 128 * 127 * 131071 for VNNI) sit just inside int32
  eqtest::Rng r(35);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t nk = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < nk; i++) {
      if (!IsX86(ks[i])) continue;
      CheckShape(ks[i], qmax, 3, 17, 131071, 17, 17, 2, 2, r);
      CheckShape(ks[i], qmax, 3, 17, 131071, 17, 17, 3, 2, r);
      CheckShape(ks[i], qmax, 6, 1, 131071, 1, 1, 2, 2, r);
    }
  }
}

EQ_TEST(x86_igemm_kernels_present) {
  // on a CPU with AVX2 the build must provide the AVX2 kernels (and VNNI where the CPU has it)
  const IGemmKernel* ks[16];
  const size_t n8 = ListIGemm(127, ks, 16);
  std::string names;
  for (size_t i = 0; i < n8; i++) names += std::string(ks[i]->name) + " ";
#if defined(EQ_HAVE_AVX2)
  if (eq::IsaAvailable(eq::Isa::kAvx2)) {
    EQ_EXPECT(names.find("avx2-int8") != std::string::npos) << names;
    EQ_EXPECT(SelectIGemm(eq::Isa::kAvx2, 63) == IGemmAvx2Int7()) << SelectIGemm(eq::Isa::kAvx2, 63)->name;
    EQ_EXPECT(SelectIGemm(eq::Isa::kAvx2, 127) == IGemmAvx2Int8()) << SelectIGemm(eq::Isa::kAvx2, 127)->name;
  }
#endif
#if defined(EQ_HAVE_AVX512VNNI)
  if (eq::IsaAvailable(eq::Isa::kAvx512Vnni)) {
    EQ_EXPECT(SelectIGemm(eq::Isa::kAvx512Vnni, 127) == IGemmAvx512Vnni()) << names;
    EQ_EXPECT(SelectIGemm(eq::Isa::kAvx512Vnni, 63) == IGemmAvx512Vnni()) << names;
  }
#endif
#if defined(EQ_HAVE_AMX)
  if (eq::IsaAvailable(eq::Isa::kAmx)) {
    EQ_EXPECT(SelectIGemm(eq::Isa::kAmx, 127) == IGemmAmx()) << names;
    EQ_EXPECT(SelectIGemm(eq::Isa::kAmx, 63) == IGemmAmx()) << names;
  }
#endif
}

EQ_TEST(x86_igemm_selected_for_env_isa) {
  // the kernel the runtime would pick for the level EQ_ISA forces (or the detected one), for
  // INT8 and INT7, bit-exact against scalar: run the binary with EQ_ISA=scalar|avx2|avx512vnni
  eq::Isa isa;
  const eq::Status st = eq::ResolveIsa("", &isa);
  EQ_EXPECT(st.ok()) << st.message();
  if (!st.ok()) return;
  eqtest::Rng r(34);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* k = SelectIGemm(isa, qmax);
    EQ_EXPECT(static_cast<int>(k->isa) <= static_cast<int>(isa) && qmax <= k->max_qmax) << k->name << " for " << eq::IsaName(isa);
    std::printf("    EQ_ISA level %s, qmax %d -> %s\n", eq::IsaName(isa), qmax, k->name);
    for (size_t K : {27, 576, 1153}) CheckShape(k, qmax, 19, 101, K, 101, 101, 0, 0, r);
  }
}

namespace {

// run_s8 (the fused int8 output stage) against run + the scalar OutputStageS8, into a larger
// output tensor: rows c0.. of pitch ldo, columns p0..; everything else must keep its canary.
void CheckFusedS8(const IGemmKernel* k, int32_t qmax, size_t M, size_t N, size_t K, eqtest::Rng& r) {
  const size_t c0 = r.Uniform(0, 3), p0 = r.Uniform(0, 9), ldo = p0 + N + r.Uniform(0, 17), C = c0 + M + r.Uniform(0, 2);
  std::vector<int8_t> A(M * K), B(K * N);
  Fill(r, A, qmax, r.Uniform(0, 5) == 0 ? 1 : 0);
  Fill(r, B, qmax, r.Uniform(0, 5) == 0 ? 1 : 0);
  std::vector<int32_t> bias(C);
  std::vector<float> mult(C);
  std::vector<double> tap_mult(C, 1.0);
  // bias within the bound the caller guarantees (|bias| <= INT32_MAX - K*127*127), sometimes at it
  const int64_t bound = INT32_MAX - static_cast<int64_t>(K) * 127 * 127;
  for (size_t c = 0; c < C; c++) {
    bias[c] = r.Uniform(0, 9) == 0 ? static_cast<int32_t>(r.Uniform(0, 1) ? bound : -bound) : r.Uniform(-40000, 40000);
    mult[c] = static_cast<float>(r.Uniform(1, 4000)) / static_cast<float>(K * qmax * 64);
    // now and then a huge multiplier: float(acc) * m passes 2^31, so the call must keep the float
    // clamp (RequantInt16Exact false); the other calls take the int16 clamp
    if (r.Uniform(0, 15) == 0) mult[c] = 1e5f;
  }
  OutputStage s{bias.data(), mult.data(), tap_mult.data(), -qmax, qmax, false, 0, 0};
  if (r.Uniform(0, 1)) s.lo = 0;  // ReLU
  s.zero = r.Uniform(0, 2) == 0 ? (r.Uniform(0, 1) ? 63 : 127) : 0;
  std::vector<uint8_t> pa(k->packed_a_bytes(M, K)), pb(k->packed_b_bytes(K, N));
  k->pack_a(A.data(), M, K, pa.data());
  k->pack_b(B.data(), N, K, N, pb.data());
  std::vector<int32_t> acc(M * N);
  k->run(pa.data(), pb.data(), M, N, K, acc.data(), N);
  std::vector<int8_t> want(C * ldo + 32, 0x5a), got = want;
  size_t bad_channel = 0;
  EQ_EXPECT(OutputStageS8(acc.data(), N, c0, M, p0, N, s, want.data(), ldo, 1, nullptr, &bad_channel)) << k->name;
  const bool ran = k->run_s8(pa.data(), pb.data(), M, N, K, s, c0, p0, got.data(), ldo);
  // every kernel runs K within one cache block (>= 512); the INT7 one also any K when N = 1
#if defined(EQ_HAVE_AVX2)
  const bool must_run = K <= 512 || (N == 1 && k == IGemmAvx2Int7());
#else
  const bool must_run = K <= 512;
#endif
  EQ_EXPECT(ran || !must_run) << k->name << " M=" << M << " N=" << N << " K=" << K;
  if (!ran) {
    EQ_EXPECT(got == std::vector<int8_t>(C * ldo + 32, 0x5a)) << k->name << ": declined but wrote";
    return;
  }
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) bad += want[i] != got[i];
  EQ_EXPECT(bad == 0) << k->name << " qmax=" << qmax << " M=" << M << " N=" << N << " K=" << K << " c0=" << c0 << " p0=" << p0 << " ldo=" << ldo
                      << " clamp [" << s.lo << "," << s.hi << "] zero " << s.zero << ": " << bad << " wrong";
}

}  // namespace

EQ_TEST(x86_igemm_fused_int8_output) {
  eqtest::Rng r(35);
  for (int32_t qmax : {127, 63}) {
    const IGemmKernel* ks[16];
    const size_t n = ListIGemm(qmax, ks, 16);
    for (size_t i = 0; i < n; i++) {
      const IGemmKernel* k = ks[i];
      if (!k->run_s8) continue;
      // MobileNet/SqueezeNet pointwise and first-layer shapes, then random ones (ragged rows
      // and column panels, K up to one cache block)
      // (N = 1: classifiers, the INT7 kernel's matrix-vector path; 1001 and 7 rows end in a compact panel)
      const size_t shapes[][3] = {{16, 196, 8}, {96, 200, 16}, {32, 113, 27}, {64, 49, 288}, {1001, 1, 256}, {1000, 1, 1280}, {7, 1, 33}, {250, 1, 4608}};
      for (const auto& sh : shapes) CheckFusedS8(k, qmax, sh[0], sh[1], sh[2], r);
      for (int it = 0; it < 150; it++) CheckFusedS8(k, qmax, r.Uniform(1, 27), r.Uniform(1, 90), r.Uniform(1, 500), r);
      // K beyond one cache block: declines and writes nothing
      const size_t K = 4608;
      std::vector<uint8_t> pa(k->packed_a_bytes(4, K), 0), pb(k->packed_b_bytes(K, 16), 0);
      std::vector<int32_t> bias(4, 0);
      std::vector<float> mult(4, 1.0f);
      std::vector<double> tm(4, 1.0);
      const OutputStage s{bias.data(), mult.data(), tm.data(), -127, 127, false, 0, 0};
      std::vector<int8_t> out(4 * 16, 7);
      EQ_EXPECT(!k->run_s8(pa.data(), pb.data(), 4, 16, K, s, 0, 0, out.data(), 16)) << k->name << ": K=4608 should decline";
      size_t touched = 0;
      for (int8_t v : out) touched += v != 7;
      EQ_EXPECT(touched == 0) << k->name << ": " << touched << " bytes written although it declined";
    }
  }
}
