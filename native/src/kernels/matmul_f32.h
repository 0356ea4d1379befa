// FP32 MatMul of the float fallback: C[m*N + n] = float(sum over k in order of
// double(A[m*K + k]) * double(B[k*N + n])), A [M,K], B [K,N], C [M,N], all row-major.
// The product of two floats is exact in double, so a double FMA rounds exactly like the
// reference's multiply-then-add: every variant gives the scalar one's bits.
#pragma once

#include <cstddef>

#include "kernels/isa.h"

namespace eq {
namespace kernels {

void MatMulF32(size_t M, size_t K, size_t N, const float* A, const float* B, float* C);  // scalar/matmul_f32.cc
#if defined(EQ_HAVE_AVX2)
void MatMulF32Avx2(size_t M, size_t K, size_t N, const float* A, const float* B, float* C);  // x86_avx2/matmul_f32_avx2.cc
#endif
#if defined(EQ_HAVE_AVX512VNNI)
void MatMulF32Avx512(size_t M, size_t K, size_t N, const float* A, const float* B, float* C);  // x86_avx512vnni/matmul_f32_avx512.cc
#endif
using MatMulF32Fn = void (*)(size_t, size_t, size_t, const float*, const float*, float*);
// The FP32 MatMul for an ISA level (select.cc).
MatMulF32Fn SelectMatMulF32(Isa isa);

}  // namespace kernels
}  // namespace eq
