// The one rounding step of every requantization: q = clip(rne(v), lo, hi) with v a float32
// value. rne is std::nearbyint under the default rounding mode (round half to even); the
// clip compares the rounded value exactly as int-ref.ts does (q > hi ? hi : q < lo ? lo : q),
// and a NaN becomes 0, which is what storing NaN into an Int8Array gives in the reference.
#pragma once

#include <cmath>
#include <cstdint>

namespace eq {
namespace kernels {

inline int8_t ClipRne(float v, int32_t lo, int32_t hi) {
  const float q = std::nearbyint(v);
  if (q > static_cast<float>(hi)) return static_cast<int8_t>(hi);
  if (q < static_cast<float>(lo)) return static_cast<int8_t>(lo);
  if (q != q) return 0;
  return static_cast<int8_t>(static_cast<int32_t>(q));
}

}  // namespace kernels
}  // namespace eq
