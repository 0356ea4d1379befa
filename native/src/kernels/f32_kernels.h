// FP32 helpers of the fallback ops that have SIMD variants (ConvTranspose rows, Sigmoid,
// Softmax). They compute exactly what the scalar fallback loops compute (double accumulation,
// double sigmoid and softmax), so a fallback op gives the same floats on every ISA level.
#pragma once

#include <cstddef>

#include "kernels/isa.h"

namespace eq {
namespace kernels {

// ConvTranspose row with kernel width 2, stride 2, no dilation or left pad:
// acc[2i] += w0 * x[i], acc[2i + 1] += w1 * x[i] for i < n, in double (each product of two
// floats is exact in double, so an FMA rounds like the multiply-then-add).
void ConvTRowK2S2(const float* x, size_t n, double w0, double w1, double* acc);
// One output row of a kernel-2 stride-2 ConvTranspose (no dilation, no top or left pad) for
// one output channel, summed over the input channels in registers:
// y[o] = float(sum_c wpk[4c + (o & 1)] * x[c * cstride + (o >> 1)] + bias) for o < n, the terms
// added in channel order from 0.0 in double, like the scatter loop. wpk: per channel the kernel
// row's {w0, w1, w0, w1}.
void ConvTRowK2S2Sum(const float* x, size_t cstride, size_t channels, const double* wpk, double bias, size_t n, float* y);
// y[i] = float(v >= 0 ? 1 / (1 + exp(-v)) : e / (1 + e), e = exp(v)) with v = double(x[i])
void SigmoidF32(const float* x, size_t n, float* y);
// One contiguous softmax row (as ops/softmax.ts): m = max of x (NaN skipped), e[k] =
// exp(double(x[k]) - m), s = the e[k] added in index order from 0.0, y[k] = float(e[k] / s).
// e: n doubles of scratch.
void SoftmaxRowF32(const float* x, size_t n, double* e, float* y);
#if defined(EQ_HAVE_AVX2)
void ConvTRowK2S2Avx2(const float* x, size_t n, double w0, double w1, double* acc);  // x86_avx2/f32_avx2.cc
void SigmoidF32Avx2(const float* x, size_t n, float* y);
void SoftmaxRowF32Avx2(const float* x, size_t n, double* e, float* y);
void ConvTRowK2S2SumAvx2(const float* x, size_t cstride, size_t channels, const double* wpk, double bias, size_t n, float* y);
#endif
using ConvTRowFn = void (*)(const float*, size_t, double, double, double*);
using SigmoidF32Fn = void (*)(const float*, size_t, float*);
ConvTRowFn SelectConvTRowK2S2(Isa isa);
using ConvTRowSumFn = void (*)(const float*, size_t, size_t, const double*, double, size_t, float*);
ConvTRowSumFn SelectConvTRowK2S2Sum(Isa isa);
SigmoidF32Fn SelectSigmoidF32(Isa isa);
using SoftmaxRowF32Fn = void (*)(const float*, size_t, double*, float*);
SoftmaxRowF32Fn SelectSoftmaxRowF32(Isa isa);

}  // namespace kernels
}  // namespace eq
