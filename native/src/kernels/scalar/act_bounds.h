// Float bounds equivalent to the output stage's double comparisons v < act_min and
// v > act_max for a float v: the smallest float >= act_min and the largest float <= act_max
// (no float lies in between). Shared by the scalar and AVX2 float output stages; internal
// linkage, because the two files are compiled with different target flags.
#pragma once

#include <cmath>

namespace eq {
namespace kernels {
namespace {

inline float FloatCeil(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, INFINITY);
  return f;
}

inline float FloatFloor(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) > x) f = std::nextafter(f, -INFINITY);
  return f;
}

}  // namespace
}  // namespace kernels
}  // namespace eq
