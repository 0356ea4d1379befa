// AVX2 INT7 GEMM: VPMADDUBSW (u8 x s8 → adjacent pairs summed into int16) with the +64
// offset trick, exact for |A|, |B| <= 63 only (max_qmax = 63; never selected for INT8).
//
// Operands: B (activations, the per-call im2col) is the unsigned one, u = b + 64 in [1, 127],
// stored that way by pack_b. A (weights) stays signed. Then
//   sum_k u*w = sum_k b*w + 64 * sum_k w,
// so every accumulator starts from init[m] = -64 * sum_k A[m][k], computed once by pack_a.
//
// Why nothing saturates or wraps (the exactness proof):
//   VPMADDUBSW lane = u0*w0 + u1*w1, |.| <= 2 * 127 * 63 = 16002 < 32767: never saturates.
//   Two of them (k quads q and q+1) are added with VPADDW: |.| <= 32004 < 32767: no wrap, so
//   each int16 lane holds 4 exact products.
//   VPMADDWD with ones widens adjacent int16 lanes to int32: 8 products, |.| <= 64008.
//   The int32 accumulator then only adds; the final value sum_k a*w is bounded by
//   K * 63 * 63 < 2^31 for K <= 131071, and int32 vector adds wrap modulo 2^32, so transient
//   values (which include the +64 offset part) cannot corrupt the exact final result.
// A third int16 addition could reach 48006 and wrap, which is why we widen every 8 k.
//
// Cost per 64 MACs per ymm: 2 VPMADDUBSW + 1 VPMADDWD (the multiply pipes, 2/cycle on this
// AMD Zen 5) + VPADDW + VPADDD, i.e. 21.3 MAC per multiply-pipe op (bound 42.7 MAC/cycle)
// against 16 for the exact INT8 VPMADDWD path (bound 32): 4/3 if both were multiply-bound.
// Measured (tools/igemm_bench.cc) the gap is wider, ~1.6x: the INT8 kernel issues 2.67 vector
// ops per 16 MAC (VPMADDWD + VPADDD + its share of loads/broadcasts) and saturates the vector
// issue width at ~24-25 MAC/cycle, while this kernel needs 1.63 per 16 MAC and stays
// multiply-bound (~38-40 MAC/cycle, ~90% of 42.7).
//
// Layout (see igemm_blocking_x86.h): KG = 8 (two k quads per step), KI = 4,
// A step = [mr][8] bytes (quad 0 then quad 1 per row), B = [Kp/4][W][4] bytes.
#include <vector>

#include "kernels/igemm.h"
#include "kernels/x86_avx2/igemm_blocking_x86.h"

namespace eq {
namespace kernels {
namespace {

constexpr int kMR = 4, kNRV = 2;  // 4 x 16 tile: 8 accumulators + 4 B vectors + 2 broadcasts
const GemmGeom kGeom{kMR, kNRV * 8, 8, 8, 4, 1, 1, 1024};

template <int MRE, int NRV>
struct TileInt7 : TileRun<TileInt7<MRE, NRV>, MRE, NRV>, TileRunS8<TileInt7<MRE, NRV>, MRE, NRV> {
  // acc (already holding the start values) += this tile's products over `steps` k steps
  static inline void Accumulate(const uint8_t* a, const uint8_t* b, size_t steps, __m256i (&acc)[MRE][NRV]) {
    constexpr size_t W = NRV * 8;
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t s = 0; s < steps; s++) {
      const uint8_t* b0 = b + s * 2 * W * 4;
      const uint8_t* b1 = b0 + W * 4;
      const uint8_t* as = a + s * MRE * 8;
      __m256i u0[NRV], u1[NRV];
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) {
        u0[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 32 * j));
        u1[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 32 * j));
      }
      EQ_UNROLL
      for (int m = 0; m < MRE; m++) {
        const __m256i w0 = _mm256_set1_epi32(Load32(as + m * 8)), w1 = _mm256_set1_epi32(Load32(as + m * 8 + 4));
        EQ_UNROLL
        for (int j = 0; j < NRV; j++) {
          const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(u0[j], w0), _mm256_maddubs_epi16(u1[j], w1));
          acc[m][j] = _mm256_add_epi32(acc[m][j], _mm256_madd_epi16(p, ones));
        }
      }
    }
  }
};

size_t PackedABytes(size_t M, size_t K) { return PackedABytesOf(kGeom, M, K); }
void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) { PackAPanels<int8_t>(kGeom, A, M, K, 64, dst); }
size_t PackedBBytes(size_t K, size_t N) { return PackedBBytesOf(kGeom, K, N); }
void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) { PackBQuads(kGeom, B, ldb, K, N, 64, dst); }
// N = 1 (a classifier: a matrix-vector product). The 4 x 16 tile would compute 8 padded columns
// (the narrowest panel) for the one real one; here each 8-k step of a 4-row panel is one
// 32-byte load of the packed A (rows m = 0..3, 8 bytes each) times B's 8 bytes broadcast to the
// four rows, so the weights stream through at about 4 vector ops per 32 MACs. The same exactness
// argument as the tile: two VPMADDUBSW results summed in int16 (<= 32004), then widened.
// y[m] = C[m][0] for m < M.
void Gemv(const uint8_t* pa, const uint8_t* pb, size_t M, size_t K, int32_t* y) {
  const size_t Kp = PaddedK(kGeom, K), steps = Kp / kGeom.KG;
  const int32_t* init = reinterpret_cast<const int32_t*>(pa + InitOffset(kGeom, M, K));
  // B's column 0 made contiguous: the panel is [Kp/4][8][4] bytes, column 0 the first 4 of each 32
  thread_local std::vector<uint8_t> bk;
  if (bk.size() < Kp) bk.resize(Kp);
  for (size_t q = 0; q < Kp / 4; q++) std::memcpy(bk.data() + 4 * q, pb + q * 32, 4);
  const __m256i ones = _mm256_set1_epi16(1);
  size_t m0 = 0;
  for (; m0 + kMR <= M; m0 += kMR) {
    const uint8_t* ap = pa + m0 * Kp;  // [steps][4][8]
    __m256i acc = _mm256_setzero_si256();
    size_t st = 0;
    for (; st + 2 <= steps; st += 2) {
      const __m256i b0 = _mm256_set1_epi64x(static_cast<long long>(Load64(bk.data() + 8 * st)));
      const __m256i b1 = _mm256_set1_epi64x(static_cast<long long>(Load64(bk.data() + 8 * st + 8)));
      const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(b0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ap + 32 * st))),
                                         _mm256_maddubs_epi16(b1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ap + 32 * st + 32))));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
    }
    if (st < steps) {
      const __m256i b0 = _mm256_set1_epi64x(static_cast<long long>(Load64(bk.data() + 8 * st)));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(b0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ap + 32 * st))), ones));
    }
    // int32 lanes 2m, 2m+1 hold row m's halves: pairwise sums give rows 0, 1 (low 128) and 2, 3 (high)
    const __m256i h = _mm256_hadd_epi32(acc, acc);
    alignas(32) int32_t t[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), h);
    const int32_t r[4] = {t[0], t[1], t[4], t[5]};
    for (size_t m = 0; m < kMR; m++) y[m0 + m] = static_cast<int32_t>(static_cast<uint32_t>(init[m0 + m]) + static_cast<uint32_t>(r[m]));
  }
  if (m0 < M) {  // the last, compact panel of mr < 4 rows: [steps][mr][8]
    const size_t mr = M - m0;
    const uint8_t* ap = pa + m0 * Kp;
    for (size_t m = 0; m < mr; m++) {
      uint32_t sum = static_cast<uint32_t>(init[m0 + m]);  // wrapping, like the vector lanes
      for (size_t st = 0; st < steps; st++)
        for (size_t j = 0; j < 8; j++) sum += static_cast<uint32_t>(bk[8 * st + j] * static_cast<int8_t>(ap[(st * mr + m) * 8 + j]));
      y[m0 + m] = static_cast<int32_t>(sum);
    }
  }
}

// Gemv into a per-thread scratch of M sums (shared by Run and RunS8)
const int32_t* GemvScratch(const uint8_t* pa, const uint8_t* pb, size_t M, size_t K) {
  thread_local std::vector<int32_t> y;
  if (y.size() < M) y.resize(M);
  Gemv(pa, pb, M, K, y.data());
  return y.data();
}

void Run(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  if (N == 1 && M > 0) {
    const int32_t* y = GemvScratch(pa, pb, M, K);
    for (size_t m = 0; m < M; m++) C[m * ldc] = y[m];
    return;
  }
  RunBlocked(kGeom, TileTable<TileInt7, kMR, kNRV>(), kNRV, pa, pb, M, N, K, C, ldc);
}

bool RunS8(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, const OutputStage& s, size_t c0, size_t p0, int8_t* out, size_t ldo) {
  if (N == 1 && M > 0) {  // the scalar stage on the M sums (its overflow report cannot fire: the caller's bias bound)
    size_t bad = 0;
    OutputStageS8(GemvScratch(pa, pb, M, K), 1, c0, M, p0, 1, s, out, ldo, 1, nullptr, &bad);
    return true;
  }
  return RunBlockedS8(kGeom, TileTable<TileInt7, kMR, kNRV, PickRunS8>(), kNRV, pa, pb, M, N, K, s, c0, p0, out, ldo);
}

const IGemmKernel kInt7{"avx2-int7-maddubs", Isa::kAvx2, 63, PackedABytes, PackA, PackedBBytes, PackB, Run, RunS8};

}  // namespace

const IGemmKernel* IGemmAvx2Int7() { return &kInt7; }

}  // namespace kernels
}  // namespace eq
