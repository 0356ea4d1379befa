// The one rounding step of every requantization: q = clip(rne(v), lo, hi) with v a float32
// value, round half to even; the result equals int-ref.ts's clip of the rounded value
// (q > hi ? hi : q < lo ? lo : q), and a NaN becomes 0, which is what storing NaN into an
// Int8Array gives in the reference.
#pragma once

#include <cmath>
#include <cstdint>

namespace eq {
namespace kernels {

// Computed as clip-then-round, branch-free so that loops over it vectorise: clipping v to the
// integer bounds first gives the same integer (rounding is monotone), and for |v| <= 127 adding
// and subtracting 1.5 * 2^23 rounds half to even in the default rounding mode (no libm call).
inline int8_t ClipRne(float v, int32_t lo, int32_t hi) {
  const float l = static_cast<float>(lo), h = static_cast<float>(hi);
  v = v > h ? h : v;
  v = v < l ? l : v;
  v = v == v ? v : 0.0f;  // NaN
  return static_cast<int8_t>(static_cast<int32_t>((v + 12582912.0f) - 12582912.0f));
}

// The same for an output with zero offset z (model.h: the stored value is u - z):
// q = clip(rne(v) - z, lo, hi) with lo/hi in the stored domain, computed as clip(rne(v), lo + z,
// hi + z) - z (|lo + z| <= 254, so the 1.5 * 2^23 trick still rounds exactly). The reference's
// NaN - z is still NaN and stores 0, so a NaN becomes z here, 0 after the subtraction. z = 0 is
// exactly ClipRne.
inline int8_t ClipRneOffset(float v, int32_t lo, int32_t hi, int32_t z) {
  const float l = static_cast<float>(lo + z), h = static_cast<float>(hi + z);
  v = v > h ? h : v;
  v = v < l ? l : v;
  v = v == v ? v : static_cast<float>(z);  // NaN
  return static_cast<int8_t>(static_cast<int32_t>((v + 12582912.0f) - 12582912.0f) - z);
}

}  // namespace kernels
}  // namespace eq
