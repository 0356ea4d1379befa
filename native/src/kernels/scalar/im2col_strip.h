// The strip both column-block im2col variants copy tap rows out of (scalar/im2col_rows.cc and
// x86_avx2/im2col_avx2.cc): the padded input rows a block of output positions reads, and the
// block's output-row segments, which are the same for every tap and channel.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "format/model.h"

namespace eq {
namespace kernels {

struct Im2ColSeg {
  uint32_t out, src, n;  // dst offset in the tap row, strip offset from the tap's base, outputs
};

// Output rows [oy0, oy1] hold positions [p0, p1); the strip holds padded input rows
// oy0*sh .. oy1*sh + (kh-1)*dh.
struct Im2ColStripRows {
  size_t oy0, rows;
};
inline Im2ColStripRows StripRows(const LinearGeom& g, size_t p0, size_t p1) {
  const size_t oy0 = p0 / g.outW, oy1 = (p1 - 1) / g.outW;
  return {oy0, (oy1 - oy0) * g.sh + (g.kh - 1) * static_cast<size_t>(g.dh) + 1};
}

// Positions [p0, p1) split at output-row ends. A segment's src is the strip offset of its
// first output: row (oy - oy0)*sh at pitch Ws, column xa*x_step. Computed once per block, so
// the copy loop has no division (p / outW per tap row cost more than the 7-byte copies of a
// 7x7 map; im2col-bench on the AVX2 EPYC: ResNet-18 layer4.0.conv1 0.71x the time, layer4
// 3x3/1 0.55-0.57x, the 56x56 layers 0.56-0.77x, the 224-wide stems 0.73-0.89x). Returns the
// range as plain pointers: the int8 stores of the copy loop may alias anything, so a loop over
// the vector itself would reload its bounds after every copy.
inline std::pair<const Im2ColSeg*, const Im2ColSeg*> BlockSegments(const LinearGeom& g, size_t p0, size_t p1, size_t oy0, size_t Ws, size_t x_step,
                                                                   std::vector<Im2ColSeg>& segs) {
  segs.clear();
  for (size_t p = p0; p < p1;) {
    const size_t oy = p / g.outW, xa = p - oy * g.outW, xb = std::min<size_t>(g.outW, xa + (p1 - p));
    segs.push_back({static_cast<uint32_t>(p - p0), static_cast<uint32_t>((oy - oy0) * g.sh * Ws + x_step * xa), static_cast<uint32_t>(xb - xa)});
    p += xb - xa;
  }
  return {segs.data(), segs.data() + segs.size()};
}

// The input row strip row r stands for, or null where it is top/bottom padding.
inline const int8_t* StripSourceRow(const int8_t* plane, const LinearGeom& g, size_t oy0, size_t r) {
  const int64_t iy = static_cast<int64_t>(oy0 * g.sh + r) - g.padT;
  return iy < 0 || iy >= static_cast<int64_t>(g.inH) ? nullptr : plane + static_cast<size_t>(iy) * g.inW;
}

// The padded columns [first, second) of a strip row of Ws that hold input columns (padded
// column c holds input column c - padL).
inline std::pair<size_t, size_t> InputColumns(const LinearGeom& g, size_t Ws) {
  return {std::min<size_t>(g.padL, Ws), std::min<size_t>(static_cast<size_t>(g.padL) + g.inW, Ws)};
}

// Strip row [0, Ws): the input row src at its padded columns, 0 elsewhere (all 0 for a padding
// row, src null).
inline void FillPaddedRow(int8_t* row, size_t Ws, const int8_t* src, const LinearGeom& g) {
  const auto [a, b] = InputColumns(g, Ws);
  if (!src || a >= b) {
    std::memset(row, 0, Ws);
    return;
  }
  std::memset(row, 0, a);
  std::memcpy(row + a, src, b - a);
  std::memset(row + b, 0, Ws - b);
}

}  // namespace kernels
}  // namespace eq
