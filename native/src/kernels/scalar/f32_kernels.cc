// Scalar FP32 helpers (f32_kernels.h): the loops of the fallback ops they serve.
#include <cmath>

#include "kernels/f32_kernels.h"

namespace eq {
namespace kernels {

void ConvTRowK2S2(const float* x, size_t n, double w0, double w1, double* acc) {
  for (size_t i = 0; i < n; i++) {
    const double v = x[i];
    acc[2 * i] += w0 * v;
    acc[2 * i + 1] += w1 * v;
  }
}

void SigmoidF32(const float* x, size_t n, float* y) {
  for (size_t i = 0; i < n; i++) {
    const double v = x[i];
    if (v >= 0) {
      y[i] = static_cast<float>(1.0 / (1.0 + std::exp(-v)));
    } else {
      const double e = std::exp(v);
      y[i] = static_cast<float>(e / (1.0 + e));
    }
  }
}

}  // namespace kernels
}  // namespace eq
