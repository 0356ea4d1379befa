// INT8/INT7 GEMM with the ARMv8.2 dot-product extension (SDOT, Cortex-A55/A76 and later):
// every SDOT adds four int8×int8 products straight into an int32 lane, so there is no int16
// intermediate and INT8 and INT7 run at the same speed (max_qmax 127).
// int32 cannot overflow: |C| <= K·127² <= 131071·16129 < 2^31.
//
// Tile 8 rows × 12 columns: 24 int32x4 accumulators (row m, column group g holds
// C[m][n0+4g .. n0+4g+3]), 2 A vectors (8 rows × 4 k) and 3 B vectors (12 columns × 4 k) =
// 29 of the 32 SIMD registers; 24 SDOT (by A lane) per 5 loads and 4 k. The last column block
// of a call may be 4 or 8 wide (template NG = 1..3 column groups), so a narrow N wastes at
// most 3 columns; rows are padded to a multiple of 8.
//
// Packed layouts (K padded with zeros to a multiple of 4, K4 = K/4 groups):
//   A: for every block of 8 rows, for every k group: row0 k0..3, row1 k0..3, …, row7 (32 B)
//   B: blocks of 12 columns (the last one 4·NG wide); inside a block, for every k group:
//      column group g (4 columns), each column's k0..3 (16 B per group).
//
// This file is compiled with -march=armv8.2-a+dotprod but linked into binaries that must run
// on ARMv8.0 cores: it deliberately instantiates no templates or inline library functions
// (no std containers), so no weak/COMDAT symbol built for v8.2 can be picked by the linker for
// code that runs before dispatch (check: nm shows only this file's own symbols, memcpy, memset).
#include <arm_neon.h>

#include <cstring>

#include "kernels/igemm.h"

namespace eq {
namespace kernels {
namespace {

constexpr size_t kMr = 8, kNr = 12;

inline size_t K4(size_t K) { return (K + 3) / 4; }
inline size_t Round(size_t x, size_t r) { return (x + r - 1) / r * r; }

size_t PackedABytes(size_t M, size_t K) { return Round(M, kMr) * K4(K) * 4; }
size_t PackedBBytes(size_t K, size_t N) { return Round(N, 4) * K4(K) * 4; }

void PackA(const int8_t* A, size_t M, size_t K, uint8_t* dst) {
  const size_t k4 = K4(K);
  std::memset(dst, 0, PackedABytes(M, K));
  for (size_t m = 0; m < M; m++) {
    uint8_t* base = dst + (m / kMr) * k4 * 32 + (m % kMr) * 4;
    const int8_t* row = A + m * K;
    size_t q = 0;
    for (; (q + 1) * 4 <= K; q++) std::memcpy(base + q * 32, row + q * 4, 4);
    for (size_t k = q * 4; k < K; k++) base[q * 32 + (k - q * 4)] = static_cast<uint8_t>(row[k]);
  }
}

// Byte offset of (k group q, column n) in packed B: the column's 4 bytes start there.
inline size_t BOffset(size_t q, size_t n, size_t N, size_t k4) {
  const size_t n0 = n / kNr * kNr, w = N - n0 < kNr ? N - n0 : kNr, ng = (w + 3) / 4, cl = n - n0;
  return n0 * k4 * 4 + (q * ng + cl / 4) * 16 + (cl % 4) * 4;
}

void PackB(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) {
  const size_t k4 = K4(K), qfull = K / 4, nfull = N / 16 * 16;
  std::memset(dst, 0, PackedBBytes(K, N));
  for (size_t q = 0; q < qfull; q++) {
    const int8_t* r = B + q * 4 * ldb;
    for (size_t n = 0; n < nfull; n += 16) {
      // 4 rows × 16 columns → per column its 4 k bytes, 4 columns per vector
      const int8x16_t r0 = vld1q_s8(r + n), r1 = vld1q_s8(r + ldb + n), r2 = vld1q_s8(r + 2 * ldb + n), r3 = vld1q_s8(r + 3 * ldb + n);
      const int16x8_t z01l = vreinterpretq_s16_s8(vzip1q_s8(r0, r1)), z01h = vreinterpretq_s16_s8(vzip2q_s8(r0, r1));
      const int16x8_t z23l = vreinterpretq_s16_s8(vzip1q_s8(r2, r3)), z23h = vreinterpretq_s16_s8(vzip2q_s8(r2, r3));
      const int8x16_t g[4] = {vreinterpretq_s8_s16(vzip1q_s16(z01l, z23l)), vreinterpretq_s8_s16(vzip2q_s16(z01l, z23l)),
                              vreinterpretq_s8_s16(vzip1q_s16(z01h, z23h)), vreinterpretq_s8_s16(vzip2q_s16(z01h, z23h))};
      for (size_t i = 0; i < 4; i++) vst1q_s8(reinterpret_cast<int8_t*>(dst + BOffset(q, n + 4 * i, N, k4)), g[i]);
    }
  }
  // edges: the columns past the 16-column runs, and the last partial k group
  for (size_t k = 0; k < K; k++) {
    const int8_t* row = B + k * ldb;
    const size_t q = k / 4;
    for (size_t n = q < qfull ? nfull : 0; n < N; n++) dst[BOffset(q, n, N, k4) + k % 4] = static_cast<uint8_t>(row[n]);
  }
}

template <int NG>
inline void Tile(const int8_t* pa, const int8_t* pb, size_t k4, int32_t* C, size_t ldc, size_t mr, size_t nr) {
  int32x4_t acc[8][NG];
  for (int m = 0; m < 8; m++)
    for (int g = 0; g < NG; g++) acc[m][g] = vdupq_n_s32(0);
  for (size_t q = 0; q < k4; q++) {
    const int8x16_t a0 = vld1q_s8(pa), a1 = vld1q_s8(pa + 16);
    int8x16_t b[NG];
    for (int g = 0; g < NG; g++) b[g] = vld1q_s8(pb + 16 * g);
    for (int g = 0; g < NG; g++) {
      // lane indices must be immediates: spelled out
      acc[0][g] = vdotq_laneq_s32(acc[0][g], b[g], a0, 0);
      acc[1][g] = vdotq_laneq_s32(acc[1][g], b[g], a0, 1);
      acc[2][g] = vdotq_laneq_s32(acc[2][g], b[g], a0, 2);
      acc[3][g] = vdotq_laneq_s32(acc[3][g], b[g], a0, 3);
      acc[4][g] = vdotq_laneq_s32(acc[4][g], b[g], a1, 0);
      acc[5][g] = vdotq_laneq_s32(acc[5][g], b[g], a1, 1);
      acc[6][g] = vdotq_laneq_s32(acc[6][g], b[g], a1, 2);
      acc[7][g] = vdotq_laneq_s32(acc[7][g], b[g], a1, 3);
    }
    pa += 32;
    pb += 16 * NG;
  }
  if (nr == 4 * NG) {
    for (size_t m = 0; m < mr; m++)
      for (int g = 0; g < NG; g++) vst1q_s32(C + m * ldc + 4 * g, acc[m][g]);
    return;
  }
  for (size_t m = 0; m < mr; m++) {
    int32_t tmp[4 * NG];
    for (int g = 0; g < NG; g++) vst1q_s32(tmp + 4 * g, acc[m][g]);
    for (size_t j = 0; j < nr; j++) C[m * ldc + j] = tmp[j];
  }
}

void Run(const uint8_t* packed_a, const uint8_t* packed_b, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  const size_t k4 = K4(K);
  const int8_t* pa = reinterpret_cast<const int8_t*>(packed_a);
  const int8_t* pb = reinterpret_cast<const int8_t*>(packed_b);
  // cache blocking: the packed B columns of one block (128 KiB) stay in L2 while every 8-row
  // A panel streams past them
  const size_t per_col = k4 > 0 ? k4 * 4 : 1, ncb_raw = (128u << 10) / per_col / kNr * kNr, ncb = ncb_raw < kNr ? kNr : ncb_raw;
  for (size_t nb = 0; nb < N; nb += ncb) {
    for (size_t m0 = 0; m0 < M; m0 += kMr) {
      const size_t mr = M - m0 < kMr ? M - m0 : kMr;
      const int8_t* a = pa + (m0 / kMr) * k4 * 32;
      for (size_t n0 = nb; n0 < N && n0 < nb + ncb; n0 += kNr) {
        const size_t nr = N - n0 < kNr ? N - n0 : kNr;
        const int8_t* b = pb + n0 * k4 * 4;
        int32_t* c = C + m0 * ldc + n0;
        if (nr > 8)
          Tile<3>(a, b, k4, c, ldc, mr, nr);
        else if (nr > 4)
          Tile<2>(a, b, k4, c, ldc, mr, nr);
        else
          Tile<1>(a, b, k4, c, ldc, mr, nr);
      }
    }
  }
}

const IGemmKernel kDotprod{"dotprod-sdot", Isa::kDotprod, 127, PackedABytes, PackA, PackedBBytes, PackB, Run};

}  // namespace

const IGemmKernel* IGemmDotprod() { return &kDotprod; }

}  // namespace kernels
}  // namespace eq
