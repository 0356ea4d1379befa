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

namespace eq {
namespace kernels {

// ---- packing (scalar/im2col_s8.cc) -------------------------------------------------------
// cols[k][p] (k-major, P columns) for one group of a convolution over one NCHW image:
// k = (ci*kh + ky)*kw + kx, p = oy*outW + ox; taps outside the input read 0.
void Im2ColS8(const int8_t* x, const LinearGeom& g, uint32_t group, int8_t* cols);
// Gemm input x [P][K] → cols [K][P].
void PackGemmInputS8(const int8_t* x, uint32_t P, uint32_t K, int8_t* cols);

// ---- micro-kernel (scalar/igemm_s8_ukernel.cc) --------------------------------------------
// C[m*ldc + n] = sum_k A[m*lda + k] * B[k*ldb + n], int8 x int8 → int32. K * 128 * 128 must
// stay below 2^31 (the loader limits K to 131071), so the int32 sums cannot overflow.
void IGemmS8S8S32(size_t M, size_t N, size_t K, const int8_t* A, size_t lda, const int8_t* B, size_t ldb, int32_t* C, size_t ldc);

// ---- output stage (scalar/requant_output.cc) ----------------------------------------------
struct OutputStage {
  const int32_t* bias;      // per output channel
  const float* mult;        // M_c (int8 output) or D_c (float output)
  const double* tap_mult;   // 1/(Sa*Sw_c), for the optional tap
  int32_t lo, hi;           // int8 clamp
  bool has_act;             // float output: clamp to [act_min, act_max]
  double act_min, act_max;
};
// acc holds channels [c0, c0+nc) as [nc][P]. Output element (c, p) goes to c*cstride + p*pstride;
// the tap (if not null) gets float(double(acc + bias) * tap_mult[c]) at the same place.
// Returns false when acc + bias leaves the int32 range (*bad_channel is set).
bool OutputStageS8(const int32_t* acc, size_t c0, size_t nc, size_t P, const OutputStage& s, int8_t* out, size_t cstride, size_t pstride, float* tap, size_t* bad_channel);
bool OutputStageF32(const int32_t* acc, size_t c0, size_t nc, size_t P, const OutputStage& s, float* out, size_t cstride, size_t pstride, float* tap, size_t* bad_channel);

// ---- quantized linear layer (scalar/qlinear_scalar.cc) ------------------------------------
struct QLinearScratch {
  int8_t* cols;  // K*P bytes
  int32_t* acc;  // (cout/group)*P int32
};
// out: int8 or float32 buffer depending on q.int_out; tap may be null.
Status QLinearForward(const QLinearParams& q, const std::string& name, const int8_t* x, void* out, float* tap, const QLinearScratch& scratch);

// ---- pooling (scalar/pool_s8.cc) ----------------------------------------------------------
void MaxPoolS8(const int8_t* x, const PoolGeom& g, int8_t* y);
void AvgPoolS8(const int8_t* x, const PoolGeom& g, float in_scale, float out_scale, int32_t qmax, int8_t* y);

// ---- element-wise (scalar/eltwise_s8.cc) --------------------------------------------------
void QuantizeF32ToS8(const float* x, size_t n, float scale, int32_t qmax, int8_t* y);
void DequantizeS8ToF32(const int8_t* x, size_t n, float scale, float* y);
void RequantizeS8(const int8_t* x, size_t n, float mult, int32_t qmax, int8_t* y);
void ReluS8(const int8_t* x, size_t n, int8_t* y);
// y = concat over inputs along an axis: `outer` blocks, input i contributes inner[i] values per block.
void ConcatS8(const int8_t* const* xs, const size_t* inner, const float* mults, size_t count, size_t outer, int32_t qmax, int8_t* y);
void AddS8(const int8_t* a, const int8_t* b, size_t n, float mult_a, float mult_b, int32_t lo, int32_t hi, int8_t* y);

}  // namespace kernels
}  // namespace eq
