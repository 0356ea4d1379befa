// Element-wise int8 kernels (int-program.ts):
//   quantize    q = clip(rne(x * S), -qmax, qmax)
//   dequantize  x = q * float(1 / S)
//   requantize  q' = clip(rne(q * M), -qmax, qmax)
//   concat      inputs requantized to the output scale (copied when the multiplier is 1 and the
//               zero offsets agree)
//   pad         the fill value, then the input rows at their padded places
//   add         q = clip(rne(qa * Ma + qb * Mb), lo, hi), each product rounded to float32 first
//   mul-scale   q = clip(rne((q * g) * M), -qmax, qmax) (qmul: g = the broadcast operand's value)
// and quantize / dequantize / requantize / concat with zero offsets (kernels.h: the stored value
// plus z is what the scale applies to).
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

void QuantizeF32ToS8Offset(const float* x, size_t n, float scale, int32_t qmax, int32_t zo, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = ClipRneOffset(x[i] * scale, -qmax, qmax, zo);
}

void DequantizeS8ToF32Offset(const int8_t* x, size_t n, float scale, int32_t zi, float* y) {
  const float m = static_cast<float>(1.0 / static_cast<double>(scale));
  for (size_t i = 0; i < n; i++) y[i] = static_cast<float>(x[i] + zi) * m;  // x + zi in [-128, 254]: exact
}

void RequantizeS8Offset(const int8_t* x, size_t n, float mult, int32_t qmax, int32_t zi, int32_t zo, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = ClipRneOffset(static_cast<float>(x[i] + zi) * mult, -qmax, qmax, zo);
}

void MulScaleS8(const int8_t* x, size_t n, float g, float mult, int32_t qmax, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = ClipRne(static_cast<float>(x[i]) * g * mult, -qmax, qmax);
}

void ReluS8(const int8_t* x, size_t n, int8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
}

void PadS8(const int8_t* x, const int64_t* dims, size_t rank, const int64_t* pads, const int64_t* out_dims, int8_t fill, int8_t* y) {
  size_t n = 1, n_out = 1;
  for (size_t d = 0; d < rank; d++) {
    n *= static_cast<size_t>(dims[d]);
    n_out *= static_cast<size_t>(out_dims[d]);
  }
  std::memset(y, static_cast<uint8_t>(fill), n_out);
  const size_t inner = rank ? static_cast<size_t>(dims[rank - 1]) : 0;
  if (inner == 0 || n == 0) return;
  int64_t idx[16] = {0};  // EQM rank <= 8
  for (size_t row = 0; row < n / inner; row++) {
    int64_t o = 0;
    for (size_t d = 0; d < rank; d++) o = o * out_dims[d] + idx[d] + pads[d];
    std::memcpy(y + o, x + row * inner, inner);
    for (size_t d = rank - 1; d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

void ConcatS8(const int8_t* const* xs, const size_t* inner, const float* mults, const int32_t* zeros, size_t count, size_t outer, int32_t qmax,
              int32_t zo, int8_t* y, RequantizeFn rq) {
  size_t o = 0;
  for (size_t b = 0; b < outer; b++) {
    for (size_t k = 0; k < count; k++) {
      const int8_t* src = xs[k] + b * inner[k];
      const float m = mults[k];
      const int32_t zi = zeros ? zeros[k] : 0;
      if (m == 1.0f && zi == zo) {
        // the arena may have placed the input at its place in y already (arena_plan.cc)
        if (src != y + o) std::memcpy(y + o, src, inner[k]);
      } else if (zi == 0 && zo == 0) {
        rq(src, inner[k], m, qmax, y + o);
      } else {
        RequantizeS8Offset(src, inner[k], m, qmax, zi, zo, y + o);
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

void LutS8(const int8_t* x, size_t n, const int8_t* lut, int8_t* y) {
  const int8_t* t = lut + 128;
  for (size_t i = 0; i < n; i++) y[i] = t[x[i]];
}

}  // namespace kernels
}  // namespace eq
