// Small vector loops of the EQ search: y[n] += d * x[n] for a small integer d (the update of
// the integer accumulators when one quantized weight changes between consecutive candidates,
// or one multiply-add row), and block quantization. Built for AVX2 and a portable baseline
// (function multi-versioning, picked at load time) where the compiler supports it.
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

void AxpyI32(int32_t* y, const int32_t* x, int32_t d, size_t n);
void AxpyI8(int32_t* y, const int8_t* x, int32_t d, size_t n);
// out[i] = clip(rne(f32(x[i]*s)), -q, q) (the QuantizeValue arithmetic, vectorised)
void QuantizeBlock(const float* x, size_t n, float s, float q, int8_t* out);

}  // namespace calib
}  // namespace eq
