// The int8 GEMM micro-kernel interface, one implementation per ISA (scalar/, x86_avx2/,
// x86_avx512vnni/, x86_amx/, arm_neon/, arm_dotprod/), picked at run time by SelectIGemm().
//
//   C[m*ldc + n] = sum_k A[m*K + k] * B[k*ldb + n]       (exact int32, every m < M, n < N)
//
// A holds the weights of one convolution group ([M][K], row-major) and is packed once when
// a session is created. B is the im2col matrix ([K][N], N = output positions) and is packed
// per call, one column block at a time, by the thread that computes that block. Packing,
// micro-kernel and output stage (requant_output) stay separate.
//
// Preconditions the kernels may rely on (the loader and the integer program guarantee them):
//   |A| <= qmax and |B| <= qmax, where qmax is 127 (INT8) or 63 (INT7); K <= 131071.
// A kernel with max_qmax = 63 (the INT16-intermediate INT7 paths) is only exact for INT7
// models and is never selected for INT8 ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/isa.h"

namespace eq {
namespace kernels {

struct OutputStage;  // kernels.h

// run_s8's contract: C as run() computes it, with the int8 output stage applied tile by tile
// inside the kernel (same bytes as run + OutputStageS8): element (m, n) goes to out[(c0 + m) * ldo + p0 + n]
// with channel c0 + m's bias and multiplier; nothing else is written. Returns false without
// writing anything when it does not apply (K beyond one cache block); the caller then runs the
// unfused pair. The caller guarantees |bias| <= INT32_MAX - K * 127 * 127 for every channel, so
// acc + bias never leaves int32 (the unfused stage's overflow report cannot fire).
using RunS8Fn = bool (*)(const uint8_t* packed_a, const uint8_t* packed_b, size_t M, size_t N, size_t K, const OutputStage& s, size_t c0, size_t p0,
                         int8_t* out, size_t ldo);

struct IGemmKernel {
  const char* name;   // shown in profiles, e.g. "avx2-int7-maddubs"
  Isa isa;
  int32_t max_qmax;   // 127: exact for INT8 and INT7; 63: INT7 only
  // bytes of the packed weights (may include per-row sums etc.)
  size_t (*packed_a_bytes)(size_t M, size_t K);
  void (*pack_a)(const int8_t* A, size_t M, size_t K, uint8_t* dst);
  // bytes of one packed column block of B with N columns
  size_t (*packed_b_bytes)(size_t K, size_t N);
  void (*pack_b)(const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t* dst);
  void (*run)(const uint8_t* packed_a, const uint8_t* packed_b, size_t M, size_t N, size_t K, int32_t* C, size_t ldc);
  // the same GEMM with the int8 output stage fused in (NCHW rows), or nullptr (see RunS8Fn)
  RunS8Fn run_s8 = nullptr;
};

// Best kernel for `isa` that is exact for `qmax`; never null (falls back to scalar).
const IGemmKernel* SelectIGemm(Isa isa, int32_t qmax);
// Every kernel compiled in and runnable on this CPU, exact for qmax (for tests/benchmarks).
size_t ListIGemm(int32_t qmax, const IGemmKernel** out, size_t cap);

// Per-ISA entry points. A folder that is compiled (EQ_HAVE_<ISA>) defines every function
// declared for it; one that returns nullptr has no such kernel yet and the selector skips it.
const IGemmKernel* IGemmScalar();
#if defined(EQ_HAVE_AVX2)
const IGemmKernel* IGemmAvx2Int8();   // VPMADDWD on int16, exact for |x| <= 127
const IGemmKernel* IGemmAvx2Int7();   // VPMADDUBSW with the +64 offset trick, |x| <= 63
#endif
#if defined(EQ_HAVE_AVX512VNNI)
const IGemmKernel* IGemmAvx512Vnni(); // VPDPBUSD with the +128 offset trick, |x| <= 127
#endif
#if defined(EQ_HAVE_AMX)
const IGemmKernel* IGemmAmx();        // AMX TDPBSSD tiles, s8 x s8, |x| <= 127
#endif
#if defined(EQ_HAVE_NEON)
const IGemmKernel* IGemmNeonInt8();   // SMLAL into int16, widened after every 2 products
const IGemmKernel* IGemmNeonInt7();   // SMLAL into int16, widened after every 8 products
#endif
#if defined(EQ_HAVE_DOTPROD)
const IGemmKernel* IGemmDotprod();    // SDOT, int32 accumulation
#endif

// ---- depthwise convolution (group == cin == cout) -------------------------------------------
// acc[(c - c0) * P + p] = sum over the window of x * w for channels [c0, c1), exact int32; taps
// outside the input read the stored value `pad` (an input zero offset z pads with -z, its real 0).
struct DwConvKernel {
  const char* name;
  Isa isa;
  bool (*supports)(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw);
  void (*run)(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
              uint32_t sw, uint32_t dh, uint32_t dw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, int32_t* acc);
};
// Best depthwise kernel for the geometry on `isa`, or the scalar one (which supports everything).
const DwConvKernel* SelectDwConv(Isa isa, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw);
const DwConvKernel* DwConvScalar();
#if defined(EQ_HAVE_AVX2)
const DwConvKernel* DwConvAvx2();
#endif
#if defined(EQ_HAVE_AVX512VNNI)
const DwConvKernel* DwConvAvx512();  // VPDPBUSD, 4 taps per lane; kh, kw <= 8, stride 1/2
#endif
#if defined(EQ_HAVE_NEON)
const DwConvKernel* DwConvNeon();
#endif

}  // namespace kernels
}  // namespace eq
