// Integer kernels of the EQM runtime. The arithmetic is the one int-program.ts specifies;
// kernels/scalar/ holds the portable scalar reference of every kernel (SIMD variants will sit
// beside it and must match it bit for bit). Packing (im2col), the int8 GEMM micro-kernel and
// the requantization output stage are separate so they can be replaced independently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "format/model.h"
#include "kernels/isa.h"

namespace eq {
namespace kernels {

// ---- packing (scalar/im2col_s8.cc) -------------------------------------------------------
// cols[k][p] (k-major, P columns) for one group of a convolution over one NCHW image:
// k = (ci*kh + ky)*kw + kx, p = oy*outW + ox; taps outside the input read 0.
void Im2ColS8(const int8_t* x, const LinearGeom& g, uint32_t group, int8_t* cols);
// Output positions [p0, p1) only, every k: dst[k * (p1 - p0) + (p - p0)] (one thread's GEMM
// column block, built next to where it is packed).
void Im2ColS8Block(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst);
// scalar/im2col_rows.cc: the same bytes through a zero-padded row strip
// (strided layers: split into column phases). Selected at the x86 levels.
void Im2ColS8BlockRows(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst);
#if defined(EQ_HAVE_AVX2)
// x86_avx2/im2col_avx2.cc: stride 2 from a plain-copied strip by AVX2 even-byte extraction;
// other strides go to Im2ColS8BlockRows. Selected at the avx2 level (and avx512vnni without VBMI).
void Im2ColS8BlockAvx2(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst);
#endif
#if defined(EQ_HAVE_AVX512VNNI)
// x86_avx512vnni/im2col_avx512vbmi.cc: the same bytes by one VPERMI2B per tap and row piece;
// needs CpuHasAvx512Vbmi() (selected at the avx512vnni level only where the CPU has VBMI)
void Im2ColS8BlockVbmi(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst);
#endif
#if defined(EQ_HAVE_NEON)
// arm_neon/im2col_neon.cc: the same bytes with less per-row bookkeeping
void Im2ColS8BlockNeon(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst);
#endif
using Im2ColBlockFn = void (*)(const int8_t*, const LinearGeom&, uint32_t, size_t, size_t, int8_t*);
// The column-block im2col for an ISA level (select.cc).
Im2ColBlockFn SelectIm2ColBlock(Isa isa);
// Gemm input x [P][K] → cols [K][P].
void PackGemmInputS8(const int8_t* x, uint32_t P, uint32_t K, int8_t* cols);

// ---- micro-kernel: the plain scalar GEMM (scalar/igemm_scalar.cc); the per-ISA kernels are
// behind the IGemmKernel interface in igemm.h ------------------------------------------------
// C[m*ldc + n] = sum_k A[m*lda + k] * B[k*ldb + n], int8 x int8 → int32. K * 128 * 128 must
// stay below 2^31 (the loader limits K to 131071), so the int32 sums cannot overflow.
void IGemmS8S8S32(size_t M, size_t N, size_t K, const int8_t* A, size_t lda, const int8_t* B, size_t ldb, int32_t* C, size_t ldc);

// ---- output stage (scalar/requant_output.cc) ----------------------------------------------
struct OutputStage {
  const int32_t* bias;      // per output channel
  const float* mult;        // M_c (int8 output) or D_c (float output)
  const double* tap_mult;   // 1/(Sa*Sw_c), for the optional tap
  int32_t lo, hi;           // int8 clamp, in the stored domain
  bool has_act;             // float output: clamp to [act_min, act_max]
  double act_min, act_max;
  // int8 output: the output tensor's zero offset z (model.h), q = clip(rne(a * M_c) - z, lo, hi).
  // Every int8 stage computes it as: clamp the float to [lo + z, hi + z], round, subtract z
  // (before narrowing); z = 0 gives the same bytes as without the step.
  int32_t zero = 0;
};
// Whether every bias of channels [c0, c1) keeps start + partial sums inside int32 when the sums
// stay within `reach` of 0: |bias| <= INT32_MAX - reach. The fused output stages (depthwise,
// GEMM) start their accumulators from the bias and only run when this holds, so they can never
// wrap where the unfused stage would report an overflow.
inline bool BiasFitsInt32(const int32_t* bias, size_t c0, size_t c1, int64_t reach) {
  for (size_t c = c0; c < c1; c++) {
    const int64_t b = bias[c];
    if ((b < 0 ? -b : b) > INT32_MAX - reach) return false;
  }
  return true;
}
// acc[i * ld_acc + j] is the sum of channel c0 + i at position p0 + j (i < nc, j < np).
// Output element (c, p) goes to c*cstride + p*pstride; the tap (if not null) gets
// float(double(acc + bias) * tap_mult[c]) at the same place.
// Returns false when acc + bias leaves the int32 range (*bad_channel is set).
bool OutputStageS8(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                   size_t pstride, float* tap, size_t* bad_channel);
#if defined(EQ_HAVE_AVX2)
// x86_avx2/requant_avx2.cc: same contract, vectorised for NCHW int8 rows without a tap
bool OutputStageS8Avx2(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                       size_t pstride, float* tap, size_t* bad_channel);
#endif
#if defined(EQ_HAVE_AVX512VNNI)
// x86_avx512vnni/requant_avx512.cc: the same on 16 lanes with masked row tails
bool OutputStageS8Avx512(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out,
                         size_t cstride, size_t pstride, float* tap, size_t* bad_channel);
#endif
#if defined(EQ_HAVE_NEON)
// arm_neon/requant_neon.cc: the same on 4-lane NEON vectors (also used at the dotprod level)
bool OutputStageS8Neon(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                       size_t pstride, float* tap, size_t* bad_channel);
#endif
using OutputStageS8Fn = bool (*)(const int32_t*, size_t, size_t, size_t, size_t, size_t, const OutputStage&, int8_t*, size_t, size_t, float*, size_t*);
// The int8 output stage for an ISA level (select.cc).
OutputStageS8Fn SelectOutputStageS8(Isa isa);
bool OutputStageF32(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, float* out, size_t cstride,
                    size_t pstride, float* tap, size_t* bad_channel);
#if defined(EQ_HAVE_AVX2)
bool OutputStageF32Avx2(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, float* out, size_t cstride,
                        size_t pstride, float* tap, size_t* bad_channel);
#endif
using OutputStageF32Fn = bool (*)(const int32_t*, size_t, size_t, size_t, size_t, size_t, const OutputStage&, float*, size_t, size_t, float*, size_t*);
// The float output stage for an ISA level (select.cc).
OutputStageF32Fn SelectOutputStageF32(Isa isa);

// ---- pooling (scalar/pool_s8.cc) ----------------------------------------------------------
void MaxPoolS8(const int8_t* x, const PoolGeom& g, int8_t* y);
// planes (n*C + c) in [plane0, plane1) only, for threads
void MaxPoolS8Planes(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y);
#if defined(EQ_HAVE_AVX2)
void MaxPoolS8PlanesAvx2(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y);
#endif
#if defined(EQ_HAVE_NEON)
void MaxPoolS8PlanesNeon(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y);
#endif
using MaxPoolFn = void (*)(const int8_t*, const PoolGeom&, size_t, size_t, int8_t*);
MaxPoolFn SelectMaxPool(Isa isa);
// zi / zo: the input's / output's zero offset: the window sum is over (q + zi) of the taps inside
// the input (padding is the real 0), q = clip(rne(f32(sum) * m) - zo, -qmax, qmax)
void AvgPoolS8(const int8_t* x, const PoolGeom& g, float in_scale, float out_scale, int32_t qmax, int32_t zi, int32_t zo, int8_t* y);
// a window that is the whole plane (no pads, dilations 1, one output per plane): one exact
// int64 sum per plane through sum(x, n), then the same q as AvgPoolS8
bool IsGlobalPool(const PoolGeom& g);
int64_t SumS8(const int8_t* x, size_t n);
#if defined(EQ_HAVE_AVX2)
int64_t SumS8Avx2(const int8_t* x, size_t n);  // x86_avx2/sum_avx2.cc
#endif
using SumS8Fn = int64_t (*)(const int8_t*, size_t);
SumS8Fn SelectSumS8(Isa isa);
void GlobalAvgPoolS8(const int8_t* x, const PoolGeom& g, float in_scale, float out_scale, int32_t qmax, int32_t zi, int32_t zo, int8_t* y, SumS8Fn sum);

// ---- element-wise (scalar/eltwise_s8.cc) --------------------------------------------------
void QuantizeF32ToS8(const float* x, size_t n, float scale, int32_t qmax, int8_t* y);
#if defined(EQ_HAVE_AVX2)
void QuantizeF32ToS8Avx2(const float* x, size_t n, float scale, int32_t qmax, int8_t* y);  // x86_avx2/quantize_avx2.cc
#endif
using QuantizeFn = void (*)(const float*, size_t, float, int32_t, int8_t*);
// The input quantization for an ISA level (select.cc).
QuantizeFn SelectQuantize(Isa isa);
void DequantizeS8ToF32(const int8_t* x, size_t n, float scale, float* y);
void RequantizeS8(const int8_t* x, size_t n, float mult, int32_t qmax, int8_t* y);
void ReluS8(const int8_t* x, size_t n, int8_t* y);
// With zero offsets (model.h; zi the input's, zo the output's; a stored v stands for v + z):
//   quantize    q = clip(rne(f32(x * S)) - zo, -qmax, qmax), NaN -> 0
//   dequantize  x = f32(float(q + zi) * f32(1 / S))
//   requantize  q' = clip(rne(f32(float(q + zi) * M)) - zo, -qmax, qmax)
// The kernels above are these with zi = zo = 0 (the ops call these only when an offset is set).
void QuantizeF32ToS8Offset(const float* x, size_t n, float scale, int32_t qmax, int32_t zo, int8_t* y);
void DequantizeS8ToF32Offset(const int8_t* x, size_t n, float scale, int32_t zi, float* y);
void RequantizeS8Offset(const int8_t* x, size_t n, float mult, int32_t qmax, int32_t zi, int32_t zo, int8_t* y);
// qpad: y = fill (-z: the real value 0) with x [dims] placed at pads[0..rank) (the begin pads)
// inside y [out_dims]
void PadS8(const int8_t* x, const int64_t* dims, size_t rank, const int64_t* pads, const int64_t* out_dims, int8_t fill, int8_t* y);
// y = clip(rne(f32(f32(x * g) * mult)), -qmax, qmax): qmul's rows, g = the other operand's value
void MulScaleS8(const int8_t* x, size_t n, float g, float mult, int32_t qmax, int8_t* y);
using RequantizeFn = void (*)(const int8_t*, size_t, float, int32_t, int8_t*);
// y = concat over inputs along an axis: `outer` blocks, input i contributes inner[i] values per
// block: copied when its multiplier is 1 and its zero offset zeros[i] is the output's zo,
// else requantized (with rq when neither has an offset). zeros null: no input has one.
void ConcatS8(const int8_t* const* xs, const size_t* inner, const float* mults, const int32_t* zeros, size_t count, size_t outer, int32_t qmax,
              int32_t zo, int8_t* y, RequantizeFn rq = RequantizeS8);
void AddS8(const int8_t* a, const int8_t* b, size_t n, float mult_a, float mult_b, int32_t lo, int32_t hi, int8_t* y);
#if defined(EQ_HAVE_AVX2)
// x86_avx2/eltwise_avx2.cc: the same contracts on 32 values at a time
void AddS8Avx2(const int8_t* a, const int8_t* b, size_t n, float mult_a, float mult_b, int32_t lo, int32_t hi, int8_t* y);
void RequantizeS8Avx2(const int8_t* x, size_t n, float mult, int32_t qmax, int8_t* y);
void DequantizeS8ToF32Avx2(const int8_t* x, size_t n, float scale, float* y);
void MulScaleS8Avx2(const int8_t* x, size_t n, float g, float mult, int32_t qmax, int8_t* y);
#endif
// qresize rows (scalar/resize_s8.cc): weights in 1/kResizeOne; wide: scratch of w int32
constexpr int32_t kResizeOne = 1 << 11;
void ResizeHRowS8(const int8_t* x, size_t w, const int32_t* i0, const int32_t* i1, const int32_t* w1, size_t ow, int32_t* wide, int32_t* h);
void ResizeVRowS8(const int32_t* h0, const int32_t* h1, int32_t wy, size_t n, int32_t qmax, int8_t* y);
#if defined(EQ_HAVE_AVX2)
void ResizeHRowS8Avx2(const int8_t* x, size_t w, const int32_t* i0, const int32_t* i1, const int32_t* w1, size_t ow, int32_t* wide, int32_t* h);
void ResizeVRowS8Avx2(const int32_t* h0, const int32_t* h1, int32_t wy, size_t n, int32_t qmax, int8_t* y);
#endif
using ResizeHRowFn = void (*)(const int8_t*, size_t, const int32_t*, const int32_t*, const int32_t*, size_t, int32_t*, int32_t*);
using ResizeVRowFn = void (*)(const int32_t*, const int32_t*, int32_t, size_t, int32_t, int8_t*);
ResizeHRowFn SelectResizeHRow(Isa isa);
ResizeVRowFn SelectResizeVRow(Isa isa);
// qlut: y = lut[x + 128] over a 256-entry table (scalar/eltwise_s8.cc; x86_avx2/lut_avx2.cc)
void LutS8(const int8_t* x, size_t n, const int8_t* lut, int8_t* y);
#if defined(EQ_HAVE_AVX2)
void LutS8Avx2(const int8_t* x, size_t n, const int8_t* lut, int8_t* y);
#endif
using LutFn = void (*)(const int8_t*, size_t, const int8_t*, int8_t*);
LutFn SelectLut(Isa isa);
using MulScaleFn = void (*)(const int8_t*, size_t, float, float, int32_t, int8_t*);
using AddFn = void (*)(const int8_t*, const int8_t*, size_t, float, float, int32_t, int32_t, int8_t*);
using DequantizeFn = void (*)(const int8_t*, size_t, float, float*);
// The element-wise kernels for an ISA level (select.cc).
AddFn SelectAdd(Isa isa);
RequantizeFn SelectRequantize(Isa isa);
DequantizeFn SelectDequantize(Isa isa);
MulScaleFn SelectMulScale(Isa isa);

}  // namespace kernels
}  // namespace eq
