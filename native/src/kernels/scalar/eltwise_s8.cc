// Element-wise int8 kernels (int-program.ts):
//   quantize    q = clip(rne(x * S), -qmax, qmax)
//   dequantize  x = q * float(1 / S)
//   requantize  q' = clip(rne(q * M), -qmax, qmax)
//   concat      inputs requantized to the output scale (copied when the multiplier is 1)
//   add         q = clip(rne(qa * Ma + qb * Mb), lo, hi), each product rounded to float32 first
//   mul-scale   q = clip(rne((q * g) * M), -qmax, qmax) (qmul: g = the broadcast operand's value)
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar/rounding.h"

namespace eq {
namespace kernels {

void QuantizeF32ToS8(const float* x, size_t n, float scale, int32_t qmax, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = ClipRne(x[i] * scale, -qmax, qmax);
}

void DequantizeS8ToF32(const int8_t* x, size_t n, float scale, float* y) {
  const float m = static_cast<float>(1.0 / static_cast<double>(scale));
  for (size_t i = 0; i < n; i++) y[i] = static_cast<float>(x[i]) * m;
}

void RequantizeS8(const int8_t* x, size_t n, float mult, int32_t qmax, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = ClipRne(static_cast<float>(x[i]) * mult, -qmax, qmax);
}

void MulScaleS8(const int8_t* x, size_t n, float g, float mult, int32_t qmax, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = ClipRne(static_cast<float>(x[i]) * g * mult, -qmax, qmax);
}

void ReluS8(const int8_t* x, size_t n, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
}

void ConcatS8(const int8_t* const* xs, const size_t* inner, const float* mults, size_t count, size_t outer, int32_t qmax, int8_t* y, RequantizeFn rq) {
  size_t o = 0;
  for (size_t b = 0; b < outer; b++) {
    for (size_t k = 0; k < count; k++) {
      const int8_t* src = xs[k] + b * inner[k];
      const float m = mults[k];
      if (m == 1.0f) {
        // the arena may have placed the input at its place in y already (arena_plan.cc)
        if (src != y + o) std::memcpy(y + o, src, inner[k]);
      } else {
        rq(src, inner[k], m, qmax, y + o);
      }
      o += inner[k];
    }
  }
}

void AddS8(const int8_t* a, const int8_t* b, size_t n, float mult_a, float mult_b, int32_t lo, int32_t hi, int8_t* y) {
  for (size_t i = 0; i < n; i++) {
    const float pa = static_cast<float>(a[i]) * mult_a;
    const float pb = static_cast<float>(b[i]) * mult_b;
    y[i] = ClipRne(pa + pb, lo, hi);
  }
}

}  // namespace kernels
}  // namespace eq
