// AMX-INT8 GEMM: TDPBSSD (s8 x s8, a 16 x 64 by 64 x 16 tile product summed straight into a
// 16 x 16 int32 tile). Signed times signed, so no offset trick: exact for |x| <= 127, INT8 and
// INT7 alike. Accumulation is modulo 2^32 like VPDPBUSD; the final sum, |.| <= K * 127^2 < 2^31
// for K <= 131071, comes out exact.
//
// Register block: 2 x 2 accumulator tiles (32 rows x 32 columns, tmm0-3) fed by 2 A tiles
// (tmm4-5) and 2 B tiles (tmm6-7); odd tile counts at the edges use the 1-wide variants.
// Measured here (Xeon, Sapphire Rapids class): ~3800 GMAC/s on L1-resident tiles against
// ~140 for VPDPBUSD zmm, so packing, im2col and the output stage now dominate the layer.
//
// Layouts (Kp = K rounded up to 64, zero padded):
//   A: [ceil(M/16)][Kp/64][16 rows][64 k] bytes: one 1 KiB tile per (row tile, k step);
//      rows past M are zero.
//   B: [ceil(N/16)][Kp/4][16 n][4 k] bytes = PackBQuads with 16-column panels and no offset:
//      one 1 KiB tile per (column tile, k step), the VNNI layout TDPBSSD reads.
// The tile configuration is per thread, so every Run loads it and releases it at the end
// (a released thread does not carry 8 KiB of tile state through context switches).
#include <immintrin.h>

#include "kernels/igemm.h"
#include "kernels/x86_amx/amx_tiles.h"
#include "kernels/x86_avx2/igemm_blocking_x86.h"

namespace eq {
namespace kernels {
namespace {

using amx::kKS;
using amx::kT;
using amx::kTile;
// Only B's panel geometry is used (PackBQuads): 16-column panels, k padded to 64.
const GemmGeom kBGeom{kT, kT, kT, kKS, 4, 1, 1, 0};

size_t PackedABytes(size_t M, size_t K) { return (M + kT - 1) / kT * RoundUpTo(K, kKS) * kT; }

void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) {
  const size_t Kp = RoundUpTo(K, kKS), mt = (M + kT - 1) / kT;
  int8_t* out = reinterpret_cast<int8_t*>(dst);
  for (size_t t = 0; t < mt; t++)
    for (size_t ks = 0; ks < Kp; ks += kKS)
      for (size_t r = 0; r < kT; r++)
        for (size_t i = 0; i < kKS; i++) {
          const size_t m = t * kT + r, k = ks + i;
          *out++ = m < M && k < K ? A[m * K + k] : 0;
        }
}

size_t PackedBBytes(size_t K, size_t N) { return RoundUpTo(N, kT) * RoundUpTo(K, kKS); }
void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) { PackBQuads(kBGeom, B, ldb, K, N, 0, dst); }

// One (NM x 16) x (NN x 16) block of C over all k steps; a: first A tile of row tile mt,
// b: first B tile of column tile nt; consecutive row (column) tiles are `steps` tiles apart.
template <int NM, int NN>
void Block(const uint8_t* a, const uint8_t* b, size_t steps, int32_t* C, size_t ldc, size_t M, size_t N, size_t m0, size_t n0) {
  const size_t next = steps * kTile;  // the next row (column) tile's panel
  amx::ZeroAccumulators<NM, NN>();
  for (size_t s = 0; s < steps; s++) {
    const uint8_t *as = a + s * kTile, *bs = b + s * kTile;
    amx::MultiplyStep<NM, NN>(as, as + next, bs, bs + next, kKS);
  }
  EQ_AMX_STORE_TILE(0, m0, n0);
  if constexpr (NN == 2) EQ_AMX_STORE_TILE(1, m0, n0 + kT);
  if constexpr (NM == 2) EQ_AMX_STORE_TILE(2, m0 + kT, n0);
  if constexpr (NM == 2 && NN == 2) EQ_AMX_STORE_TILE(3, m0 + kT, n0 + kT);
}

void Run(const uint8_t* pa, const uint8_t* pb, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  if (M == 0 || N == 0) return;
  const size_t steps = RoundUpTo(K, kKS) / kKS;
  if (steps == 0) {
    for (size_t m = 0; m < M; m++) std::memset(C + m * ldc, 0, N * sizeof(int32_t));
    return;
  }
  amx::ConfigureTiles();
  const size_t mt = (M + kT - 1) / kT, nt = (N + kT - 1) / kT, tile_bytes = steps * kTile;
  // row pairs outer: the A sliver (2 x steps tiles) stays in L1 while B streams from L2
  for (size_t i = 0; i < mt; i += 2) {
    const uint8_t* a = pa + i * tile_bytes;
    const bool two_m = i + 1 < mt;
    for (size_t j = 0; j < nt; j += 2) {
      const uint8_t* b = pb + j * tile_bytes;
      const bool two_n = j + 1 < nt;
      if (two_m && two_n) Block<2, 2>(a, b, steps, C, ldc, M, N, i * kT, j * kT);
      else if (two_m) Block<2, 1>(a, b, steps, C, ldc, M, N, i * kT, j * kT);
      else if (two_n) Block<1, 2>(a, b, steps, C, ldc, M, N, i * kT, j * kT);
      else Block<1, 1>(a, b, steps, C, ldc, M, N, i * kT, j * kT);
    }
  }
  _tile_release();
}

const IGemmKernel kAmx{"amx-tdpbssd", Isa::kAmx, 127, PackedABytes, PackA, PackedBBytes, PackB, Run};

}  // namespace

const IGemmKernel* IGemmAmx() { return &kAmx; }

}  // namespace kernels
}  // namespace eq
