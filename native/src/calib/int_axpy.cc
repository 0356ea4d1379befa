#include "calib/int_axpy.h"

namespace eq {
namespace calib {

EQ_CALIB_CLONES void AxpyI8(int32_t* y, const int8_t* x, int32_t d, size_t n) {
  if (d == 1) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
  } else if (d == -1) {
    for (size_t i = 0; i < n; i++) y[i] -= x[i];
  } else {
    for (size_t i = 0; i < n; i++) y[i] += d * static_cast<int32_t>(x[i]);
  }
}

EQ_CALIB_CLONES void QuantizeBlock(const float* x, size_t n, float s, float q, int8_t* out) {
  for (size_t i = 0; i < n; i++) {
    float p = x[i] * s;
    p = p > q ? q : p;
    p = p < -q ? -q : p;
    out[i] = static_cast<int8_t>(static_cast<int32_t>((p + 12582912.0f) - 12582912.0f));
  }
}

EQ_CALIB_CLONES void QuantizeBlockU(const float* x, size_t n, float s, float q, int8_t* out) {
  const float top = 2 * q;
  const int32_t off = static_cast<int32_t>(q);
  for (size_t i = 0; i < n; i++) {
    float p = x[i] * s;
    p = p > top ? top : p;
    p = p < 0 ? 0 : p;
    out[i] = static_cast<int8_t>(static_cast<int32_t>((p + 12582912.0f) - 12582912.0f) - off);
  }
}

EQ_CALIB_CLONES void ScoreRows(const int32_t* C, size_t rows, size_t ncand, const double* ac, double b, const double* ov, double* ab, double* bb) {
  for (size_t r = 0; r < rows; r++) {
    const int32_t* c = C + r * ncand;
    const double o = ov[r];
    for (size_t t = 0; t < ncand; t++) {
      const double v = static_cast<double>(c[t]) * ac[t] + b;
      ab[t] += o * v;
      bb[t] += v * v;
    }
  }
}

}  // namespace calib
}  // namespace eq
