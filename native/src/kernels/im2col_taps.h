// The bounds of one im2col tap (ky, kx), shared by the scalar (scalar/im2col_s8.cc) and NEON
// (arm_neon/im2col_neon.cc) im2col, which must write the same bytes.
#pragma once

#include <algorithm>
#include <cstdint>

#include "format/model.h"

namespace eq {
namespace kernels {

struct Im2ColTap {
  int64_t off_y, off_x;  // input row / column of output (0, 0) for this tap
  int64_t vx0, vx1;      // valid outputs of a row: 0 <= ox*sw + off_x < inW  →  ox in [vx0, vx1)
};

inline Im2ColTap Im2ColTapBounds(const LinearGeom& g, size_t ky, size_t kx) {
  Im2ColTap t;
  t.off_y = static_cast<int64_t>(ky) * g.dh - g.padT;
  t.off_x = static_cast<int64_t>(kx) * g.dw - g.padL;
  t.vx0 = t.off_x >= 0 ? 0 : std::min<int64_t>(g.outW, (-t.off_x + g.sw - 1) / g.sw);
  const int64_t lim = static_cast<int64_t>(g.inW) - t.off_x;
  t.vx1 = std::max<int64_t>(t.vx0, std::min<int64_t>(g.outW, lim <= 0 ? 0 : (lim + g.sw - 1) / g.sw));
  return t;
}

}  // namespace kernels
}  // namespace eq
