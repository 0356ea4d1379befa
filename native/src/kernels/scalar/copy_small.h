// A short copy as a few fixed-size moves (inlined, no library call): the row pieces of the
// im2col strips and the last bytes of a vector step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eq {
namespace kernels {

// dst[0, n) = src[0, n) with at most four fixed-size moves (overlapping for the tail); n >= 16
// copies 16 bytes at a time.
inline void CopySmall(int8_t* dst, const int8_t* src, size_t n) {
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) std::memcpy(dst + i, src + i, 16);
    if (i < n) std::memcpy(dst + n - 16, src + n - 16, 16);
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
