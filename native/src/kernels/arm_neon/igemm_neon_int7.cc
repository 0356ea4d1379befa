// INT7 GEMM for ARMv8 NEON without the dot-product extension: SMULL/SMLAL + SMLAL2 into
// int16 lanes, widened into int32 (SADALP) only after every 8 products, the paper's INT7 gain.
//
// Overflow bound: with |a|, |b| <= 63 every product lies in [-3969, 3969]; an int16 lane
// holding eight of them is within ±31752 <= 32767 (nine could reach ±35721). One 16-k chunk
// puts two products in each lane (SMULL/SMLAL: k, SMLAL2: k+8), so the int16 accumulators run
// over 4 chunks (64 k) before SADALP folds them into int32. The kernel is exact only for
// |x| <= 63 (max_qmax = 63); the selector never uses it for INT8 models.
// int32 sums: |C| <= K·3969 <= 131071·3969 < 2^31.
//
// Register blocking: a 4×3 tile (4 rows of A, 3 columns of B) keeps 12 int16x8 accumulators
// (v8-v19), 12 int32x4 accumulators (v20-v31), 4 A vectors (v0-v3) and 3 B vectors (v4-v6):
// 31 of the 32 registers, no spills, and the widening is a plain SADALP per output. Per 64 k
// and 768 MACs the tile issues 96 multiplies + 12 SADALP (0.141 NEON ops per MAC) against the
// INT8 kernel's 0.1875 (2 multiplies + 1 SADALP per 16 MACs): ~1.33× fewer arithmetic ops.
// Written in assembly because 31 live vectors are beyond what GCC 12 allocates without spills.
//
// Short fan-in (K <= 64, up to 4 chunks: the pointwise layers of MobileNets): every int16 lane
// holds at most 8 products over the whole K, so no int32 accumulator is needed until the end.
// A 4×4 tile (16 int16 accumulators, 4 A + 4 B vectors: 24 registers) then issues per chunk
// the INT8 kernel's 32 multiplies without its 16 SADALP, and widens once (SADDLP) per tile; the
// 4×3 tile's extra tiles, packing and tile-buffer stores made INT7 execute more instructions
// than INT8 on MobileNet v1 0.25 under QEMU (docs/results/arm-instructions.md). Packed B uses
// 4-column panels then (the INT8 kernel's layout), 3-column panels above.
#include <arm_neon.h>

#include "kernels/arm_neon/igemm_neon_k16.h"
#include "kernels/igemm.h"

namespace eq {
namespace kernels {
namespace {

using namespace neon_k16;

constexpr size_t kNr = 3;
constexpr size_t kChunksPerWiden = 4;  // 4 chunks × 2 products = 8 products per int16 lane
constexpr size_t kShortNr = 4;         // columns of the short-K tile (RunTiles4x4 drives 4×4 tiles)
static_assert(kShortNr == 4, "the short-K tile runs through RunTiles4x4");

inline bool ShortK(size_t K) { return Chunks(K) <= kChunksPerWiden; }

// Short K (1..4 chunks): rows m of the 4×4 tile C(m, n) to out[m]. Accumulator of output
// (m, n): v(16 + 4m + n), int16 until the final SADDLP; A: v0-v3, B: v4-v7.
inline void Tile4x4ShortK(const int8_t* pa, const int8_t* pb, size_t chunks, int32_t* const out[4]) {
  size_t n = chunks - 1;
  __asm__ volatile(
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[pb]], #64\n"
      "smull v16.8h, v0.8b, v4.8b\n"
      "smull v17.8h, v0.8b, v5.8b\n"
      "smull v18.8h, v0.8b, v6.8b\n"
      "smull v19.8h, v0.8b, v7.8b\n"
      "smull v20.8h, v1.8b, v4.8b\n"
      "smull v21.8h, v1.8b, v5.8b\n"
      "smull v22.8h, v1.8b, v6.8b\n"
      "smull v23.8h, v1.8b, v7.8b\n"
      "smull v24.8h, v2.8b, v4.8b\n"
      "smull v25.8h, v2.8b, v5.8b\n"
      "smull v26.8h, v2.8b, v6.8b\n"
      "smull v27.8h, v2.8b, v7.8b\n"
      "smull v28.8h, v3.8b, v4.8b\n"
      "smull v29.8h, v3.8b, v5.8b\n"
      "smull v30.8h, v3.8b, v6.8b\n"
      "smull v31.8h, v3.8b, v7.8b\n"
      "smlal2 v16.8h, v0.16b, v4.16b\n"
      "smlal2 v17.8h, v0.16b, v5.16b\n"
      "smlal2 v18.8h, v0.16b, v6.16b\n"
      "smlal2 v19.8h, v0.16b, v7.16b\n"
      "smlal2 v20.8h, v1.16b, v4.16b\n"
      "smlal2 v21.8h, v1.16b, v5.16b\n"
      "smlal2 v22.8h, v1.16b, v6.16b\n"
      "smlal2 v23.8h, v1.16b, v7.16b\n"
      "smlal2 v24.8h, v2.16b, v4.16b\n"
      "smlal2 v25.8h, v2.16b, v5.16b\n"
      "smlal2 v26.8h, v2.16b, v6.16b\n"
      "smlal2 v27.8h, v2.16b, v7.16b\n"
      "smlal2 v28.8h, v3.16b, v4.16b\n"
      "smlal2 v29.8h, v3.16b, v5.16b\n"
      "smlal2 v30.8h, v3.16b, v6.16b\n"
      "smlal2 v31.8h, v3.16b, v7.16b\n"
      "cbz %[n], 2f\n"
      "1:\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[pb]], #64\n"
      "subs %[n], %[n], #1\n"
      "smlal v16.8h, v0.8b, v4.8b\n"
      "smlal v17.8h, v0.8b, v5.8b\n"
      "smlal v18.8h, v0.8b, v6.8b\n"
      "smlal v19.8h, v0.8b, v7.8b\n"
      "smlal v20.8h, v1.8b, v4.8b\n"
      "smlal v21.8h, v1.8b, v5.8b\n"
      "smlal v22.8h, v1.8b, v6.8b\n"
      "smlal v23.8h, v1.8b, v7.8b\n"
      "smlal v24.8h, v2.8b, v4.8b\n"
      "smlal v25.8h, v2.8b, v5.8b\n"
      "smlal v26.8h, v2.8b, v6.8b\n"
      "smlal v27.8h, v2.8b, v7.8b\n"
      "smlal v28.8h, v3.8b, v4.8b\n"
      "smlal v29.8h, v3.8b, v5.8b\n"
      "smlal v30.8h, v3.8b, v6.8b\n"
      "smlal v31.8h, v3.8b, v7.8b\n"
      "smlal2 v16.8h, v0.16b, v4.16b\n"
      "smlal2 v17.8h, v0.16b, v5.16b\n"
      "smlal2 v18.8h, v0.16b, v6.16b\n"
      "smlal2 v19.8h, v0.16b, v7.16b\n"
      "smlal2 v20.8h, v1.16b, v4.16b\n"
      "smlal2 v21.8h, v1.16b, v5.16b\n"
      "smlal2 v22.8h, v1.16b, v6.16b\n"
      "smlal2 v23.8h, v1.16b, v7.16b\n"
      "smlal2 v24.8h, v2.16b, v4.16b\n"
      "smlal2 v25.8h, v2.16b, v5.16b\n"
      "smlal2 v26.8h, v2.16b, v6.16b\n"
      "smlal2 v27.8h, v2.16b, v7.16b\n"
      "smlal2 v28.8h, v3.16b, v4.16b\n"
      "smlal2 v29.8h, v3.16b, v5.16b\n"
      "smlal2 v30.8h, v3.16b, v6.16b\n"
      "smlal2 v31.8h, v3.16b, v7.16b\n"
      "bne 1b\n"
      "2:\n"
      // widen once: each int16 lane holds at most 8 products
      "saddlp v16.4s, v16.8h\n"
      "saddlp v17.4s, v17.8h\n"
      "saddlp v18.4s, v18.8h\n"
      "saddlp v19.4s, v19.8h\n"
      "saddlp v20.4s, v20.8h\n"
      "saddlp v21.4s, v21.8h\n"
      "saddlp v22.4s, v22.8h\n"
      "saddlp v23.4s, v23.8h\n"
      "saddlp v24.4s, v24.8h\n"
      "saddlp v25.4s, v25.8h\n"
      "saddlp v26.4s, v26.8h\n"
      "saddlp v27.4s, v27.8h\n"
      "saddlp v28.4s, v28.8h\n"
      "saddlp v29.4s, v29.8h\n"
      "saddlp v30.4s, v30.8h\n"
      "saddlp v31.4s, v31.8h\n"
      "addp v16.4s, v16.4s, v17.4s\n"
      "addp v18.4s, v18.4s, v19.4s\n"
      "addp v16.4s, v16.4s, v18.4s\n"
      "addp v20.4s, v20.4s, v21.4s\n"
      "addp v22.4s, v22.4s, v23.4s\n"
      "addp v20.4s, v20.4s, v22.4s\n"
      "addp v24.4s, v24.4s, v25.4s\n"
      "addp v26.4s, v26.4s, v27.4s\n"
      "addp v24.4s, v24.4s, v26.4s\n"
      "addp v28.4s, v28.4s, v29.4s\n"
      "addp v30.4s, v30.4s, v31.4s\n"
      "addp v28.4s, v28.4s, v30.4s\n"
      "st1 {v16.4s}, [%[o0]]\n"
      "st1 {v20.4s}, [%[o1]]\n"
      "st1 {v24.4s}, [%[o2]]\n"
      "st1 {v28.4s}, [%[o3]]\n"
      : [pa] "+r"(pa), [pb] "+r"(pb), [n] "+r"(n)
      : [o0] "r"(out[0]), [o1] "r"(out[1]), [o2] "r"(out[2]), [o3] "r"(out[3])
      : "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}

// out[4*m + n] = C(m, n) for m < 4, n < 3 (out[4*m + 3] is scratch).
inline void Tile4x3(const int8_t* pa, const int8_t* pb, size_t chunks, int32_t out[16]) {
  size_t groups = chunks / kChunksPerWiden, rem = chunks % kChunksPerWiden;
  int32_t* o = out;
  __asm__ volatile(
      "movi v20.4s, #0\n"
      "movi v21.4s, #0\n"
      "movi v22.4s, #0\n"
      "movi v23.4s, #0\n"
      "movi v24.4s, #0\n"
      "movi v25.4s, #0\n"
      "movi v26.4s, #0\n"
      "movi v27.4s, #0\n"
      "movi v28.4s, #0\n"
      "movi v29.4s, #0\n"
      "movi v30.4s, #0\n"
      "movi v31.4s, #0\n"
      "cbz %[groups], 2f\n"
      "1:\n"
      // 4 chunks = 8 products per int16 lane, then widen
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b}, [%[pb]], #48\n"
      "smull v8.8h, v0.8b, v4.8b\n"
      "smull v9.8h, v0.8b, v5.8b\n"
      "smull v10.8h, v0.8b, v6.8b\n"
      "smull v11.8h, v1.8b, v4.8b\n"
      "smull v12.8h, v1.8b, v5.8b\n"
      "smull v13.8h, v1.8b, v6.8b\n"
      "smull v14.8h, v2.8b, v4.8b\n"
      "smull v15.8h, v2.8b, v5.8b\n"
      "smull v16.8h, v2.8b, v6.8b\n"
      "smull v17.8h, v3.8b, v4.8b\n"
      "smull v18.8h, v3.8b, v5.8b\n"
      "smull v19.8h, v3.8b, v6.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v1.16b, v4.16b\n"
      "smlal2 v12.8h, v1.16b, v5.16b\n"
      "smlal2 v13.8h, v1.16b, v6.16b\n"
      "smlal2 v14.8h, v2.16b, v4.16b\n"
      "smlal2 v15.8h, v2.16b, v5.16b\n"
      "smlal2 v16.8h, v2.16b, v6.16b\n"
      "smlal2 v17.8h, v3.16b, v4.16b\n"
      "smlal2 v18.8h, v3.16b, v5.16b\n"
      "smlal2 v19.8h, v3.16b, v6.16b\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b}, [%[pb]], #48\n"
      "smlal v8.8h, v0.8b, v4.8b\n"
      "smlal v9.8h, v0.8b, v5.8b\n"
      "smlal v10.8h, v0.8b, v6.8b\n"
      "smlal v11.8h, v1.8b, v4.8b\n"
      "smlal v12.8h, v1.8b, v5.8b\n"
      "smlal v13.8h, v1.8b, v6.8b\n"
      "smlal v14.8h, v2.8b, v4.8b\n"
      "smlal v15.8h, v2.8b, v5.8b\n"
      "smlal v16.8h, v2.8b, v6.8b\n"
      "smlal v17.8h, v3.8b, v4.8b\n"
      "smlal v18.8h, v3.8b, v5.8b\n"
      "smlal v19.8h, v3.8b, v6.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v1.16b, v4.16b\n"
      "smlal2 v12.8h, v1.16b, v5.16b\n"
      "smlal2 v13.8h, v1.16b, v6.16b\n"
      "smlal2 v14.8h, v2.16b, v4.16b\n"
      "smlal2 v15.8h, v2.16b, v5.16b\n"
      "smlal2 v16.8h, v2.16b, v6.16b\n"
      "smlal2 v17.8h, v3.16b, v4.16b\n"
      "smlal2 v18.8h, v3.16b, v5.16b\n"
      "smlal2 v19.8h, v3.16b, v6.16b\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b}, [%[pb]], #48\n"
      "smlal v8.8h, v0.8b, v4.8b\n"
      "smlal v9.8h, v0.8b, v5.8b\n"
      "smlal v10.8h, v0.8b, v6.8b\n"
      "smlal v11.8h, v1.8b, v4.8b\n"
      "smlal v12.8h, v1.8b, v5.8b\n"
      "smlal v13.8h, v1.8b, v6.8b\n"
      "smlal v14.8h, v2.8b, v4.8b\n"
      "smlal v15.8h, v2.8b, v5.8b\n"
      "smlal v16.8h, v2.8b, v6.8b\n"
      "smlal v17.8h, v3.8b, v4.8b\n"
      "smlal v18.8h, v3.8b, v5.8b\n"
      "smlal v19.8h, v3.8b, v6.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v1.16b, v4.16b\n"
      "smlal2 v12.8h, v1.16b, v5.16b\n"
      "smlal2 v13.8h, v1.16b, v6.16b\n"
      "smlal2 v14.8h, v2.16b, v4.16b\n"
      "smlal2 v15.8h, v2.16b, v5.16b\n"
      "smlal2 v16.8h, v2.16b, v6.16b\n"
      "smlal2 v17.8h, v3.16b, v4.16b\n"
      "smlal2 v18.8h, v3.16b, v5.16b\n"
      "smlal2 v19.8h, v3.16b, v6.16b\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b}, [%[pb]], #48\n"
      "smlal v8.8h, v0.8b, v4.8b\n"
      "smlal v9.8h, v0.8b, v5.8b\n"
      "smlal v10.8h, v0.8b, v6.8b\n"
      "smlal v11.8h, v1.8b, v4.8b\n"
      "smlal v12.8h, v1.8b, v5.8b\n"
      "smlal v13.8h, v1.8b, v6.8b\n"
      "smlal v14.8h, v2.8b, v4.8b\n"
      "smlal v15.8h, v2.8b, v5.8b\n"
      "smlal v16.8h, v2.8b, v6.8b\n"
      "smlal v17.8h, v3.8b, v4.8b\n"
      "smlal v18.8h, v3.8b, v5.8b\n"
      "smlal v19.8h, v3.8b, v6.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v1.16b, v4.16b\n"
      "smlal2 v12.8h, v1.16b, v5.16b\n"
      "smlal2 v13.8h, v1.16b, v6.16b\n"
      "smlal2 v14.8h, v2.16b, v4.16b\n"
      "smlal2 v15.8h, v2.16b, v5.16b\n"
      "smlal2 v16.8h, v2.16b, v6.16b\n"
      "smlal2 v17.8h, v3.16b, v4.16b\n"
      "smlal2 v18.8h, v3.16b, v5.16b\n"
      "smlal2 v19.8h, v3.16b, v6.16b\n"
      "sadalp v20.4s, v8.8h\n"
      "sadalp v21.4s, v9.8h\n"
      "sadalp v22.4s, v10.8h\n"
      "sadalp v23.4s, v11.8h\n"
      "sadalp v24.4s, v12.8h\n"
      "sadalp v25.4s, v13.8h\n"
      "sadalp v26.4s, v14.8h\n"
      "sadalp v27.4s, v15.8h\n"
      "sadalp v28.4s, v16.8h\n"
      "sadalp v29.4s, v17.8h\n"
      "sadalp v30.4s, v18.8h\n"
      "sadalp v31.4s, v19.8h\n"
      "subs %[groups], %[groups], #1\n"
      "bne 1b\n"
      "2:\n"
      // remaining 1..3 chunks (2..6 products per lane)
      "cbz %[rem], 4f\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b}, [%[pb]], #48\n"
      "smull v8.8h, v0.8b, v4.8b\n"
      "smull v9.8h, v0.8b, v5.8b\n"
      "smull v10.8h, v0.8b, v6.8b\n"
      "smull v11.8h, v1.8b, v4.8b\n"
      "smull v12.8h, v1.8b, v5.8b\n"
      "smull v13.8h, v1.8b, v6.8b\n"
      "smull v14.8h, v2.8b, v4.8b\n"
      "smull v15.8h, v2.8b, v5.8b\n"
      "smull v16.8h, v2.8b, v6.8b\n"
      "smull v17.8h, v3.8b, v4.8b\n"
      "smull v18.8h, v3.8b, v5.8b\n"
      "smull v19.8h, v3.8b, v6.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v1.16b, v4.16b\n"
      "smlal2 v12.8h, v1.16b, v5.16b\n"
      "smlal2 v13.8h, v1.16b, v6.16b\n"
      "smlal2 v14.8h, v2.16b, v4.16b\n"
      "smlal2 v15.8h, v2.16b, v5.16b\n"
      "smlal2 v16.8h, v2.16b, v6.16b\n"
      "smlal2 v17.8h, v3.16b, v4.16b\n"
      "smlal2 v18.8h, v3.16b, v5.16b\n"
      "smlal2 v19.8h, v3.16b, v6.16b\n"
      "subs %[rem], %[rem], #1\n"
      "beq 3f\n"
      "5:\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b}, [%[pb]], #48\n"
      "smlal v8.8h, v0.8b, v4.8b\n"
      "smlal v9.8h, v0.8b, v5.8b\n"
      "smlal v10.8h, v0.8b, v6.8b\n"
      "smlal v11.8h, v1.8b, v4.8b\n"
      "smlal v12.8h, v1.8b, v5.8b\n"
      "smlal v13.8h, v1.8b, v6.8b\n"
      "smlal v14.8h, v2.8b, v4.8b\n"
      "smlal v15.8h, v2.8b, v5.8b\n"
      "smlal v16.8h, v2.8b, v6.8b\n"
      "smlal v17.8h, v3.8b, v4.8b\n"
      "smlal v18.8h, v3.8b, v5.8b\n"
      "smlal v19.8h, v3.8b, v6.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v1.16b, v4.16b\n"
      "smlal2 v12.8h, v1.16b, v5.16b\n"
      "smlal2 v13.8h, v1.16b, v6.16b\n"
      "smlal2 v14.8h, v2.16b, v4.16b\n"
      "smlal2 v15.8h, v2.16b, v5.16b\n"
      "smlal2 v16.8h, v2.16b, v6.16b\n"
      "smlal2 v17.8h, v3.16b, v4.16b\n"
      "smlal2 v18.8h, v3.16b, v5.16b\n"
      "smlal2 v19.8h, v3.16b, v6.16b\n"
      "subs %[rem], %[rem], #1\n"
      "bne 5b\n"
      "3:\n"
      "sadalp v20.4s, v8.8h\n"
      "sadalp v21.4s, v9.8h\n"
      "sadalp v22.4s, v10.8h\n"
      "sadalp v23.4s, v11.8h\n"
      "sadalp v24.4s, v12.8h\n"
      "sadalp v25.4s, v13.8h\n"
      "sadalp v26.4s, v14.8h\n"
      "sadalp v27.4s, v15.8h\n"
      "sadalp v28.4s, v16.8h\n"
      "sadalp v29.4s, v17.8h\n"
      "sadalp v30.4s, v18.8h\n"
      "sadalp v31.4s, v19.8h\n"
      "4:\n"
      // reduce: row m -> [C(m,0), C(m,1), C(m,2), C(m,2)]
      "addp v20.4s, v20.4s, v21.4s\n"
      "addp v22.4s, v22.4s, v22.4s\n"
      "addp v20.4s, v20.4s, v22.4s\n"
      "addp v23.4s, v23.4s, v24.4s\n"
      "addp v25.4s, v25.4s, v25.4s\n"
      "addp v23.4s, v23.4s, v25.4s\n"
      "addp v26.4s, v26.4s, v27.4s\n"
      "addp v28.4s, v28.4s, v28.4s\n"
      "addp v26.4s, v26.4s, v28.4s\n"
      "addp v29.4s, v29.4s, v30.4s\n"
      "addp v31.4s, v31.4s, v31.4s\n"
      "addp v29.4s, v29.4s, v31.4s\n"
      "st1 {v20.4s}, [%[out]], #16\n"
      "st1 {v23.4s}, [%[out]], #16\n"
      "st1 {v26.4s}, [%[out]], #16\n"
      "st1 {v29.4s}, [%[out]]\n"
      : [pa] "+r"(pa), [pb] "+r"(pb), [groups] "+r"(groups), [rem] "+r"(rem), [out] "+r"(o)
      :
      : "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}

void Run(const uint8_t* packed_a, const uint8_t* packed_b, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  const size_t chunks = Chunks(K), panel_a = chunks * 64, panel_b = chunks * 16 * kNr;
  const int8_t* pa = reinterpret_cast<const int8_t*>(packed_a);
  const int8_t* pb = reinterpret_cast<const int8_t*>(packed_b);
  if (ShortK(K)) {
    RunTiles4x4<Tile4x4ShortK>(pa, pb, M, N, chunks, C, ldc);
    return;
  }
  const size_t ncb = ColumnBlock<kNr>(K);
  for (size_t nb = 0; nb < N; nb += ncb) {
    for (size_t m0 = 0; m0 < M; m0 += 4) {
      const size_t mr = M - m0 < 4 ? M - m0 : 4;
      for (size_t n0 = nb; n0 < N && n0 < nb + ncb; n0 += kNr) {
        const size_t nr = N - n0 < kNr ? N - n0 : kNr;
        int32_t tile[16];
        Tile4x3(pa + (m0 / 4) * panel_a, pb + (n0 / kNr) * panel_b, chunks, tile);
        int32_t* c = C + m0 * ldc + n0;
        if (mr == 4 && nr == kNr) {
          // Full tile: 8-byte + lane store per row. A plain copy loop here becomes a memcpy
          // call per row under GCC (~10% of the kernel's instructions on SqueezeNet).
          for (size_t r = 0; r < 4; r++) {
            const int32x4_t v = vld1q_s32(tile + r * 4);
            vst1_s32(c + r * ldc, vget_low_s32(v));
            vst1q_lane_s32(c + r * ldc + 2, v, 2);
          }
          continue;
        }
        for (size_t r = 0; r < mr; r++)
          for (size_t j = 0; j < nr; j++) c[r * ldc + j] = tile[r * 4 + j];
      }
    }
  }
}

// B panels: 4 columns for the short-K tile, 3 for the 4×3 tile
size_t PackedB(size_t K, size_t N) { return ShortK(K) ? PackedBBytes<kShortNr>(K, N) : PackedBBytes<kNr>(K, N); }
void PackBPanels(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst) {
  if (ShortK(K))
    PackB<kShortNr>(B, ldb, K, N, dst);
  else
    PackB<kNr>(B, ldb, K, N, dst);
}

const IGemmKernel kNeonInt7{"neon-int7-smlal", Isa::kNeon, 63, PackedABytes, PackA, PackedB, PackBPanels, Run};

}  // namespace

const IGemmKernel* IGemmNeonInt7() { return &kNeonInt7; }

}  // namespace kernels
}  // namespace eq
