// Small vector loops of the EQ search: y[n] += d * x[n] for a small integer d (one
// multiply-add row of a depthwise layer's output), block quantization, and the candidates'
// cosine sums. Built for AVX2 and a portable baseline (function multi-versioning, picked at
// load time) where the compiler supports it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "calib/calib_common.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define EQ_CALIB_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EQ_CALIB_CLONES
#endif

namespace eq {
namespace calib {

void AxpyI8(int32_t* y, const int8_t* x, int32_t d, size_t n);
// out[i] = clip(rne(f32(x[i]*s)), -q, q) (the QuantizeValue arithmetic, vectorised)
void QuantizeBlock(const float* x, size_t n, float s, float q, int8_t* out);
// the unsigned grid: out[i] = clip(rne(f32(x[i]*s)), 0, 2q) - q (QuantizeValueU)
void QuantizeBlockU(const float* x, size_t n, float s, float q, int8_t* out);

// The cosine sums of `ncand` candidates over `rows` consecutive scored outputs of one channel:
// for each row r (in order) and candidate t, v = f64(C[r*ncand + t]) * ac[t] + b,
// ab[t] += ov[r] * v, bb[t] += v * v. Each candidate's sums are one chain in row order (the
// reference's order), so vectorising across candidates changes no rounding.
void ScoreRows(const int32_t* C, size_t rows, size_t ncand, const double* ac, double b, const double* ov, double* ab, double* bb);

}  // namespace calib
}  // namespace eq
