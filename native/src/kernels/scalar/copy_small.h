// A short copy as a few fixed-size moves (inlined, no library call): the row pieces of the
// im2col strips and the last bytes of a vector step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eq {
namespace kernels {

// fn(i) for i = 0, W, 2W, ... while a whole piece of W fits in [0, n), then fn(n - W) for the
// rest: the last piece overlaps the one before it, so a vector step of W covers any n >= W
// without a scalar tail and without touching [n, ...). Needs n >= W.
template <size_t W, class Fn>
inline void ForEachPiece(size_t n, const Fn& fn) {
  size_t i = 0;
  for (; i + W <= n; i += W) fn(i);
  if (i < n) fn(n - W);
}

// dst[0, n) = src[0, n) with at most four fixed-size moves (overlapping for the tail); n >= 16
// copies 16 bytes at a time.
inline void CopySmall(int8_t* dst, const int8_t* src, size_t n) {
  if (n >= 16) {
    ForEachPiece<16>(n, [&](size_t i) { std::memcpy(dst + i, src + i, 16); });
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
  }
}

}  // namespace kernels
}  // namespace eq
