// AVX2 exact INT8 GEMM: both operands sign-extended to int16 at packing time, VPMADDWD
// (int16 x int16, adjacent pairs summed into int32) + VPADDD. Exact for |x| <= 127:
// a lane is a0*b0 + a1*b1 with |.| <= 2 * 127 * 127 = 32258 (VPMADDWD's one saturating case,
// -32768 * -32768 twice, cannot occur), and the int32 sum is bounded by K * 127^2 < 2^31 for
// K <= 131071.
//
// This is the INT8 baseline the INT7 kernel is compared against, so it gets the same care:
// same cache blocking, a register-blocked 6 x 16 tile (12 accumulators + 2 B vectors +
// 1 broadcast + 1 product = all 16 ymm), B packed once per call into int16 k-pairs so the
// inner loop is pure loads + VPMADDWD + VPADDD (16 MAC per multiply-port op, 32 MAC/cycle
// peak on a core with two such ports). Tile shapes measured on this Zen 5 (MAC/cycle,
// 256x768x2304): 6x16 ~25, 5x16 ~25, 4x16 ~25, 4x24 ~20-25, 3x32 ~18, 2x48 ~15; forcing B as
// a memory operand of VPMADDWD was slower (~13-15). The kernel is issue-bound: 32 vector ops
// per 12 VPMADDWD (2 loads + 6 broadcasts + 12 + 12).
//
// Layout (see igemm_blocking_x86.h): KG = KI = 2, int16 elements.
// A step = [mr][2] int16, B = [Kp/2][W][2] int16.
#include "kernels/igemm.h"
#include "kernels/x86_avx2/igemm_blocking_x86.h"

namespace eq {
namespace kernels {
namespace {

constexpr int kMR = 6, kNRV = 2;
const GemmGeom kGeom{kMR, kNRV * 8, 8, 2, 2, 2, 2, 512};

template <int MRE, int NRV>
struct TileInt8 : TileRun<TileInt8<MRE, NRV>, MRE, NRV>, TileRunS8Staged<TileInt8<MRE, NRV>, MRE, NRV> {
  // acc (already holding the start values) += this tile's products over `steps` k steps
  static inline void Accumulate(const uint8_t* a, const uint8_t* b, size_t steps, __m256i (&acc)[MRE][NRV]) {
    constexpr size_t W = NRV * 8;
    for (size_t s = 0; s < steps; s++) {
      const uint8_t* bs = b + s * W * 4;
      const uint8_t* as = a + s * MRE * 4;
      __m256i bv[NRV];
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) bv[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + 32 * j));
      EQ_UNROLL
      for (int m = 0; m < MRE; m++) {
        const __m256i w = _mm256_set1_epi32(Load32(as + m * 4));
        EQ_UNROLL
        for (int j = 0; j < NRV; j++) acc[m][j] = _mm256_add_epi32(acc[m][j], _mm256_madd_epi16(bv[j], w));
      }
    }
  }
};

// B → [Kp/2][W][2] int16: rows k and k+1 interleaved bytewise, then sign-extended. Loop order
// as PackBQuads (ForEachPackStep: k pairs outside when B's rows alias in L1).
void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) {
  const size_t Kp = PaddedK(kGeom, K);
  const __m128i zero = _mm_setzero_si128();
  const auto pair = [&](size_t k, size_t n0) {
    const size_t W = PanelWidth(kGeom, N, n0);
    int16_t* row = reinterpret_cast<int16_t*>(dst) + n0 * Kp + k * W;
    const int8_t* r0 = B + k * ldb + n0;
    const int8_t* r1 = k + 1 < K ? B + (k + 1) * ldb + n0 : nullptr;
    size_t c = 0;
    for (; c + 16 <= W && n0 + c + 16 <= N; c += 16) {
      const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + c));
      const __m128i v1 = r1 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + c)) : zero;
      __m256i* o = reinterpret_cast<__m256i*>(row + c * 2);
      _mm256_storeu_si256(o, _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(v0, v1)));
      _mm256_storeu_si256(o + 1, _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(v0, v1)));
    }
    for (; c + 8 <= W && n0 + c + 8 <= N; c += 8) {
      const __m128i v0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(r0 + c));
      const __m128i v1 = r1 ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(r1 + c)) : zero;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c * 2), _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(v0, v1)));
    }
    for (; c < W; c++) {
      const bool in = n0 + c < N;
      row[c * 2] = in ? r0[c] : 0;
      row[c * 2 + 1] = in && r1 ? r1[c] : 0;
    }
  };
  ForEachPackStep(kGeom, ldb, K, N, 2, pair);
}

size_t PackedABytes(size_t M, size_t K) { return PackedABytesOf(kGeom, M, K); }
void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) { PackAPanels<int16_t>(kGeom, A, M, K, 0, dst); }
size_t PackedBBytes(size_t K, size_t N) { return PackedBBytesOf(kGeom, K, N); }
void Run(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  RunBlocked(kGeom, TileTable<TileInt8, kMR, kNRV>(), kNRV, pa, pb, M, N, K, C, ldc);
}

// The int8 output stage right after each tile, from a 32-bit stack tile (TileRunS8Staged: the
// stage inlined into the 6 x 16 tile spilled its accumulators, 0.92-0.95x). Against the int32 C
// block + a second pass, in-process A/B on the AVX2 EPYC at 1 thread: blazeface-back-256 INT8
// 1.04-1.06x, MobileNet v1 0.25 1.07-1.09x, MobileNetV2 1.07x, SqueezeNet 1.03x.
bool RunS8(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, const OutputStage& s, size_t c0, size_t p0, int8_t* out, size_t ldo) {
  return RunBlockedS8(kGeom, TileTable<TileInt8, kMR, kNRV, PickRunS8>(), kNRV, pa, pb, M, N, K, s, c0, p0, out, ldo);
}

const IGemmKernel kInt8{"avx2-int8-maddwd", Isa::kAvx2, 127, PackedABytes, PackA, PackedBBytes, PackB, Run, RunS8};

}  // namespace

const IGemmKernel* IGemmAvx2Int8() { return &kInt8; }

}  // namespace kernels
}  // namespace eq
