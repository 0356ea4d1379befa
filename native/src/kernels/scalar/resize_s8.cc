// Rows of qresize (runtime/ops/qresize.cc), weights in 1/2^11:
//   horizontal  h[ox] = (2^11 - w1[ox]) * x[i0[ox]] + w1[ox] * x[i1[ox]]
//   vertical    y[i] = clip(((2^11 - wy) * h0[i] + wy * h1[i] + 2^21) >> 22, -qmax, qmax)
// Integer sums: the result is the same whichever axis goes first.
#include <algorithm>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {

void ResizeHRowS8(const int8_t* x, size_t, const int32_t* i0, const int32_t* i1, const int32_t* w1, size_t ow, int32_t*, int32_t* h) {
  for (size_t o = 0; o < ow; o++) h[o] = (kResizeOne - w1[o]) * x[i0[o]] + w1[o] * x[i1[o]];
}

void ResizeVRowS8(const int32_t* h0, const int32_t* h1, int32_t wy, size_t n, int32_t qmax, int8_t* y) {
  const int32_t a = kResizeOne - wy;
  for (size_t i = 0; i < n; i++) {
    const int32_t v = (a * h0[i] + wy * h1[i] + (1 << 21)) >> 22;
    y[i] = static_cast<int8_t>(std::min(qmax, std::max(-qmax, v)));
  }
}

}  // namespace kernels
}  // namespace eq
