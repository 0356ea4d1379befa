// Scalar FP32 helpers (f32_kernels.h): the loops of the fallback ops they serve.
#include <cmath>
#include <limits>

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

void ConvTRowK2S2Sum(const float* x, size_t cstride, size_t channels, const double* wpk, double bias, size_t n, float* y) {
  for (size_t o = 0; o < n; o++) {
    double acc = 0.0;
    for (size_t c = 0; c < channels; c++) acc += wpk[4 * c + (o & 1)] * static_cast<double>(x[c * cstride + (o >> 1)]);
    y[o] = static_cast<float>(acc + bias);
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

void SoftmaxRowF32(const float* x, size_t n, double* e, float* y) {
  double m = -std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < n; k++)
    if (x[k] > m) m = x[k];
  double s = 0;
  for (size_t k = 0; k < n; k++) {
    e[k] = std::exp(static_cast<double>(x[k]) - m);
    s += e[k];
  }
  for (size_t k = 0; k < n; k++) y[k] = static_cast<float>(e[k] / s);
}

}  // namespace kernels
}  // namespace eq
