// Packed layout shared by the two SMLAL kernels (IGemmNeonInt8: 4×4 tiles, IGemmNeonInt7:
// 4×3 tiles, 4×4 for K ≤ 64): K split in chunks of 16 ("K16"), K padded with zeros to a multiple of 16.
//
//   packed A: for every block of 4 rows, for every K16 chunk: row0 k0..15, row1 …, row3 (64 B)
//   packed B: for every block of NR cols, for every K16 chunk: col0 k0..15, …, col NR-1 (16·NR B)
//
// One 16-byte vector then holds 16 consecutive k of one row (A) or one column (B), so
// SMULL (low 8 bytes) + SMLAL2 (high 8 bytes) give 8 int16 lanes, each the sum of two
// products k and k+8 of the same output (m, n); SADALP then folds adjacent lanes into int32.
// Rows/columns past M/N are zero-filled, so the micro-kernel always computes full tiles and
// the caller stores only the valid part. Packing is plain C++ (it runs once per layer for A
// and is O(K·N) per column block for B, against O(M·K·N) for the kernel).
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eq {
namespace kernels {
namespace neon_k16 {

inline size_t Chunks(size_t K) { return (K + 15) / 16; }
inline size_t Round4(size_t x) { return (x + 3) & ~static_cast<size_t>(3); }

inline size_t PackedABytes(size_t M, size_t K) { return Round4(M) * Chunks(K) * 16; }
template <size_t NR>
inline size_t PackedBBytes(size_t K, size_t N) {
  return (N + NR - 1) / NR * NR * Chunks(K) * 16;
}

// Rows of A are contiguous in k: copy 16-byte runs.
inline void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) {
  const size_t kc = Chunks(K);
  std::memset(dst, 0, PackedABytes(M, K));
  for (size_t m = 0; m < M; m++) {
    uint8_t* panel = dst + (m / 4) * kc * 64 + (m % 4) * 16;
    const int8_t* row = A + m * K;
    for (size_t c = 0; c < kc; c++) {
      const size_t k0 = c * 16, n = K - k0 < 16 ? K - k0 : 16;
      std::memcpy(panel + c * 64, row + k0, n);
    }
  }
}

// B is [K][N] (k-major, row stride ldb): a transpose into 16-k runs per column.
// Full 16×16 blocks go through a NEON byte transpose; edges are copied one byte at a time.
inline void Transpose16x16(const int8_t* src, size_t ld, int8x16_t out[16]) {
  int8x16_t r[16];
  for (int i = 0; i < 16; i++) r[i] = vld1q_s8(src + i * ld);
  // stage 1: 8-bit pairs
  int8x16_t t8[16];
  for (int i = 0; i < 16; i += 2) {
    t8[i] = vtrn1q_s8(r[i], r[i + 1]);
    t8[i + 1] = vtrn2q_s8(r[i], r[i + 1]);
  }
  // stage 2: 16-bit pairs
  int16x8_t t16[16];
  for (int i = 0; i < 16; i += 4)
    for (int j = 0; j < 2; j++) {
      t16[i + j] = vtrn1q_s16(vreinterpretq_s16_s8(t8[i + j]), vreinterpretq_s16_s8(t8[i + j + 2]));
      t16[i + j + 2] = vtrn2q_s16(vreinterpretq_s16_s8(t8[i + j]), vreinterpretq_s16_s8(t8[i + j + 2]));
    }
  // stage 3: 32-bit pairs
  int32x4_t t32[16];
  for (int i = 0; i < 16; i += 8)
    for (int j = 0; j < 4; j++) {
      t32[i + j] = vtrn1q_s32(vreinterpretq_s32_s16(t16[i + j]), vreinterpretq_s32_s16(t16[i + j + 4]));
      t32[i + j + 4] = vtrn2q_s32(vreinterpretq_s32_s16(t16[i + j]), vreinterpretq_s32_s16(t16[i + j + 4]));
    }
  // stage 4: 64-bit halves
  for (int j = 0; j < 8; j++) {
    out[j] = vreinterpretq_s8_s64(vtrn1q_s64(vreinterpretq_s64_s32(t32[j]), vreinterpretq_s64_s32(t32[j + 8])));
    out[j + 8] = vreinterpretq_s8_s64(vtrn2q_s64(vreinterpretq_s64_s32(t32[j]), vreinterpretq_s64_s32(t32[j + 8])));
  }
}

template <size_t NR>
inline void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) {
  const size_t kc = Chunks(K), panel = kc * 16 * NR;
  std::memset(dst, 0, PackedBBytes<NR>(K, N));
  const size_t kfull = K / 16, nfull = N / 16;
  for (size_t c = 0; c < kfull; c++)
    for (size_t nb = 0; nb < nfull; nb++) {
      int8x16_t cols[16];
      Transpose16x16(B + c * 16 * ldb + nb * 16, ldb, cols);
      // the transpose's output i is column i (stage order above yields columns in order)
      for (int i = 0; i < 16; i++) {
        const size_t n = nb * 16 + i;
        vst1q_s8(reinterpret_cast<int8_t*>(dst + (n / NR) * panel + c * 16 * NR + (n % NR) * 16), cols[i]);
      }
    }
  // edges: k in the last partial chunk (all columns) and columns past the 16-column blocks
  for (size_t k = 0; k < K; k++) {
    const int8_t* row = B + k * ldb;
    const size_t n0 = k < kfull * 16 ? nfull * 16 : 0;
    uint8_t* base = dst + (k / 16) * 16 * NR + (k % 16);
    for (size_t n = n0; n < N; n++) base[(n / NR) * panel + (n % NR) * 16] = static_cast<uint8_t>(row[n]);
  }
}

// Columns per cache block in run() (a multiple of NR): the packed B columns of one block stay
// in L2 (128 KiB: the smallest L2 of the A53/A72/A76 boards we target) while every 4-row A
// panel streams past them.
template <size_t NR>
inline size_t ColumnBlock(size_t K) {
  const size_t per_col = Chunks(K) * 16, cols = (128u << 10) / (per_col ? per_col : 1) / NR * NR;
  return cols < NR ? NR : cols;
}

// Driver for a 4×4 tile that stores through four row pointers (INT8's tile and INT7's short-K
// tile): column blocks of ColumnBlock<4>, full tiles stored straight into C, edge tiles via a
// 16-int scratch copied out for the valid mr×nr part. The tile is a template argument, so each
// kernel gets a direct (inlinable) call, not one through a function pointer per tile.
using Tile4x4Fn = void (*)(const int8_t* pa, const int8_t* pb, size_t chunks, int32_t* const rows[4]);
template <Tile4x4Fn tile>
inline void RunTiles4x4(const int8_t* pa, const int8_t* pb, size_t M, size_t N, size_t chunks, int32_t* C, size_t ldc) {
  const size_t panel = chunks * 64, ncb = ColumnBlock<4>(chunks * 16);
  for (size_t nb = 0; nb < N; nb += ncb) {
    for (size_t m0 = 0; m0 < M; m0 += 4) {
      const size_t mr = M - m0 < 4 ? M - m0 : 4;
      for (size_t n0 = nb; n0 < N && n0 < nb + ncb; n0 += 4) {
        const size_t nr = N - n0 < 4 ? N - n0 : 4;
        int32_t* c = C + m0 * ldc + n0;
        if (mr == 4 && nr == 4) {
          int32_t* const rows[4] = {c, c + ldc, c + 2 * ldc, c + 3 * ldc};
          tile(pa + (m0 / 4) * panel, pb + (n0 / 4) * panel, chunks, rows);
          continue;
        }
        int32_t scratch[16];
        int32_t* const rows[4] = {scratch, scratch + 4, scratch + 8, scratch + 12};
        tile(pa + (m0 / 4) * panel, pb + (n0 / 4) * panel, chunks, rows);
        for (size_t r = 0; r < mr; r++)
          for (size_t j = 0; j < nr; j++) c[r * ldc + j] = scratch[r * 4 + j];
      }
    }
  }
}

}  // namespace neon_k16
}  // namespace kernels
}  // namespace eq
