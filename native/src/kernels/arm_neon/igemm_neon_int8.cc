// INT8 GEMM for ARMv8 NEON without the dot-product extension (Cortex-A53/A72 class):
// SMULL + SMLAL2 into int16 lanes, widened into int32 with SADALP after every 2 products.
//
// Overflow bound (why 2 and not more): with |a|, |b| <= 127 every product lies in
// [-16129, 16129], so an int16 lane holding two of them is within ±32258 <= 32767. A third
// product could reach ±48387, which int16 cannot hold, so each 16-k chunk (two products per
// lane: k and k+8) is folded into int32 by SADALP before the next chunk. -128 is excluded by
// the kernel contract (symmetric quantization): 2·128² = 32768 would overflow.
// int32 cannot overflow either: |C| <= K·127² <= 131071·16129 < 2^31.
//
// Register blocking: a 4×4 tile of outputs keeps 16 int32x4 accumulators (each holds four
// partial sums of one output), 4 A and 4 B vectors of 16 k, and the int16 temporaries:
// 32 SIMD registers cover it without spills. Per 16-k chunk the tile issues 16 SMULL,
// 16 SMLAL2 and 16 SADALP for 256 MACs, and loads 128 bytes.
#include <arm_neon.h>

#include "kernels/arm_neon/igemm_neon_k16.h"
#include "kernels/igemm.h"

namespace eq {
namespace kernels {
namespace {

using namespace neon_k16;

// The tile is written in assembly: with intrinsics GCC 12 hoists all 16 SMULLs ahead of the
// SADALPs and spills 4 accumulators to the stack in every iteration. Here row m's SADALPs
// interleave with row m+1's SMULLs (two sets of 4 int16 temporaries, v8-v11 and v12-v15),
// which also suits in-order cores (A53). A: v0-v3 (rows), B: v4-v7 (columns), accumulator of
// output (m, n): v(16 + 4m + n), four partial sums each, reduced by ADDP at the end.
// (Accumulators live only inside the asm: 16 "+w" operands would exceed GCC's 30-operand limit.)
// Row r of the tile is stored to out[r] (4 int32 each).
inline void Tile4x4(const int8_t* pa, const int8_t* pb, size_t chunks, int32_t* const out[4]) {
  size_t n = chunks;
  __asm__ volatile(
      "movi v16.4s, #0\n"
      "movi v17.4s, #0\n"
      "movi v18.4s, #0\n"
      "movi v19.4s, #0\n"
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
      "cbz %[n], 2f\n"
      "1:\n"
      "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[pa]], #64\n"
      "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[pb]], #64\n"
      "subs %[n], %[n], #1\n"
      "smull v8.8h, v0.8b, v4.8b\n"
      "smull v9.8h, v0.8b, v5.8b\n"
      "smull v10.8h, v0.8b, v6.8b\n"
      "smull v11.8h, v0.8b, v7.8b\n"
      "smlal2 v8.8h, v0.16b, v4.16b\n"
      "smlal2 v9.8h, v0.16b, v5.16b\n"
      "smlal2 v10.8h, v0.16b, v6.16b\n"
      "smlal2 v11.8h, v0.16b, v7.16b\n"
      "smull v12.8h, v1.8b, v4.8b\n"
      "sadalp v16.4s, v8.8h\n"
      "smull v13.8h, v1.8b, v5.8b\n"
      "sadalp v17.4s, v9.8h\n"
      "smull v14.8h, v1.8b, v6.8b\n"
      "sadalp v18.4s, v10.8h\n"
      "smull v15.8h, v1.8b, v7.8b\n"
      "sadalp v19.4s, v11.8h\n"
      "smlal2 v12.8h, v1.16b, v4.16b\n"
      "smlal2 v13.8h, v1.16b, v5.16b\n"
      "smlal2 v14.8h, v1.16b, v6.16b\n"
      "smlal2 v15.8h, v1.16b, v7.16b\n"
      "smull v8.8h, v2.8b, v4.8b\n"
      "sadalp v20.4s, v12.8h\n"
      "smull v9.8h, v2.8b, v5.8b\n"
      "sadalp v21.4s, v13.8h\n"
      "smull v10.8h, v2.8b, v6.8b\n"
      "sadalp v22.4s, v14.8h\n"
      "smull v11.8h, v2.8b, v7.8b\n"
      "sadalp v23.4s, v15.8h\n"
      "smlal2 v8.8h, v2.16b, v4.16b\n"
      "smlal2 v9.8h, v2.16b, v5.16b\n"
      "smlal2 v10.8h, v2.16b, v6.16b\n"
      "smlal2 v11.8h, v2.16b, v7.16b\n"
      "smull v12.8h, v3.8b, v4.8b\n"
      "sadalp v24.4s, v8.8h\n"
      "smull v13.8h, v3.8b, v5.8b\n"
      "sadalp v25.4s, v9.8h\n"
      "smull v14.8h, v3.8b, v6.8b\n"
      "sadalp v26.4s, v10.8h\n"
      "smull v15.8h, v3.8b, v7.8b\n"
      "sadalp v27.4s, v11.8h\n"
      "smlal2 v12.8h, v3.16b, v4.16b\n"
      "smlal2 v13.8h, v3.16b, v5.16b\n"
      "smlal2 v14.8h, v3.16b, v6.16b\n"
      "smlal2 v15.8h, v3.16b, v7.16b\n"
      "sadalp v28.4s, v12.8h\n"
      "sadalp v29.4s, v13.8h\n"
      "sadalp v30.4s, v14.8h\n"
      "sadalp v31.4s, v15.8h\n"
      "bne 1b\n"
      "2:\n"
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
      "st1 {v16.4s}, [%[out]]\n"
      "st1 {v20.4s}, [%[o1]]\n"
      "st1 {v24.4s}, [%[o2]]\n"
      "st1 {v28.4s}, [%[o3]]\n"
      : [pa] "+r"(pa), [pb] "+r"(pb), [n] "+r"(n)
      : [out] "r"(out[0]), [o1] "r"(out[1]), [o2] "r"(out[2]), [o3] "r"(out[3])
      : "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}

void Run(const uint8_t* packed_a, const uint8_t* packed_b, size_t M, size_t N, size_t K, int32_t* C, size_t ldc) {
  RunTiles4x4<Tile4x4>(reinterpret_cast<const int8_t*>(packed_a), reinterpret_cast<const int8_t*>(packed_b), M, N, Chunks(K), C, ldc);
}

const IGemmKernel kNeonInt8{"neon-int8-smlal", Isa::kNeon, 127, PackedABytes, PackA, PackedBBytes<4>, PackB<4>, Run};

}  // namespace

const IGemmKernel* IGemmNeonInt8() { return &kNeonInt8; }

}  // namespace kernels
}  // namespace eq
