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

}  // namespace kernels
}  // namespace eq
