// AVX-512 VNNI GEMM: VPDPBUSD (u8 x s8, 4 products summed straight into an int32 lane) with
// the +128 offset trick; exact for |x| <= 127, so it serves INT8 and INT7 alike.
//
// B (activations) is the unsigned operand: u = b + 128 in [1, 255] (pack_b stores b xor 0x80).
// A (weights) stays signed and is broadcast from memory ({1to16}). Then
//   sum_k u*w = sum_k b*w + 128 * sum_k w,
// so every accumulator starts from init[m] = -128 * sum_k A[m][k] (pack_a).
// Exactness: VPDPBUSD (not the saturating VPDPBUSDS) adds 4 products, |.| <= 4*255*127, into
// int32 with wrap-around; all arithmetic is therefore modulo 2^32 and the final value
// sum_k a*w, |.| <= K * 127^2 < 2^31 for K <= 131071, comes out exact.
//
// Tile: 6 rows x 64 columns = 24 zmm accumulators + 4 B vectors (32 registers available);
// measured a little ahead of 8 x 48 here, mostly on N = 49 (one 64-wide panel instead of
// 48 + a 1-vector edge panel).
// Peak: 64 MAC per VPDPBUSD zmm, 2 per cycle on this Zen 5 → 128 MAC/cycle.
// Layout (see igemm_blocking_x86.h): KG = KI = 4, bytes; A step = [mr][4], B = [Kp/4][W][4].
#include "kernels/igemm.h"
#include "kernels/x86_avx2/igemm_blocking_x86.h"

namespace eq {
namespace kernels {
namespace {

constexpr int kMR = 6, kNRV = 4;
const GemmGeom kGeom{kMR, kNRV * 16, 16, 4, 4, 1, 1, 1024};

template <int MRE, int NRV>
struct TileVnni {
  static void Run(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* init, int32_t* c, size_t ldc) {
    constexpr size_t W = NRV * 16;
    __m512i acc[MRE][NRV];
    EQ_UNROLL
    for (int m = 0; m < MRE; m++)
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) acc[m][j] = init ? _mm512_set1_epi32(init[m]) : _mm512_loadu_si512(c + m * ldc + 16 * j);
    for (size_t s = 0; s < steps; s++) {
      const uint8_t* bs = b + s * W * 4;
      const uint8_t* as = a + s * MRE * 4;
      __m512i bv[NRV];
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) bv[j] = _mm512_loadu_si512(bs + 64 * j);
      EQ_UNROLL
      for (int m = 0; m < MRE; m++) {
        const __m512i w = _mm512_set1_epi32(Load32(as + m * 4));
        EQ_UNROLL
        for (int j = 0; j < NRV; j++) acc[m][j] = _mm512_dpbusd_epi32(acc[m][j], bv[j], w);
      }
    }
    EQ_UNROLL
    for (int m = 0; m < MRE; m++)
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) _mm512_storeu_si512(c + m * ldc + 16 * j, acc[m][j]);
  }
};

size_t PackedABytes(size_t M, size_t K) { return PackedABytesOf(kGeom, M, K); }
void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) { PackAPanels<int8_t>(kGeom, A, M, K, 128, dst); }
size_t PackedBBytes(size_t K, size_t N) { return PackedBBytesOf(kGeom, K, N); }
void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) { PackBQuads(kGeom, B, ldb, K, N, 128, dst); }
void Run(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  RunBlocked(kGeom, TileTable<TileVnni, kMR, kNRV>(), kNRV, pa, pb, M, N, K, C, ldc);
}

const IGemmKernel kVnni{"avx512vnni-dpbusd", Isa::kAvx512Vnni, 127, PackedABytes, PackA, PackedBBytes, PackB, Run};

}  // namespace

const IGemmKernel* IGemmAvx512Vnni() { return &kVnni; }

}  // namespace kernels
}  // namespace eq
