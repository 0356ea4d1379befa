// Small helpers shared by the loader and the op parsers: overflow-checked products, float
// checks and little-endian decoding.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eq {

inline bool PositiveFinite(double v) { return std::isfinite(v) && v > 0; }

// Checked product of non-negative factors; false when it exceeds limit.
inline bool MulWithin(uint64_t a, uint64_t b, uint64_t limit, uint64_t* out) {
  if (a != 0 && b > limit / a) return false;
  *out = a * b;
  return *out <= limit;
}

inline bool HostIsLittleEndian() {
  const uint16_t one = 1;
  uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

// Copies n little-endian elements of elem_size bytes into host order.
inline void DecodeLE(const uint8_t* src, size_t n, size_t elem_size, uint8_t* dst) {
  if (n == 0) return;  // empty constants have no buffer (memcpy with null is undefined)
  if (elem_size == 1 || HostIsLittleEndian()) {
    std::memcpy(dst, src, n * elem_size);
    return;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < elem_size; b++) dst[i * elem_size + b] = src[i * elem_size + (elem_size - 1 - b)];
}

}  // namespace eq
