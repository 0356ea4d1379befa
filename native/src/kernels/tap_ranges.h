// Per-output tap ranges of a pooling window along one axis (same values as tapRanges() in
// src-main/core/ops/pool-common.ts, computed in O(1) per output): taps t in [lo, hi) fall
// inside the input; `padded` counts the taps inside input + explicit padding.
#pragma once

#include <cstdint>
#include <vector>

namespace eq {
namespace kernels {

struct TapRanges {
  std::vector<uint32_t> lo, hi, padded;
};

inline TapRanges ComputeTapRanges(int64_t out, int64_t in_len, int64_t k, int64_t s, int64_t d, int64_t pad_b, int64_t pad_e) {
  TapRanges r;
  r.lo.resize(static_cast<size_t>(out));
  r.hi.resize(static_cast<size_t>(out));
  r.padded.resize(static_cast<size_t>(out));
  // number of taps t in [0, k) with start + t*d < bound
  auto below = [&](int64_t start, int64_t bound) -> int64_t {
    if (bound <= start) return 0;
    const int64_t n = (bound - start - 1) / d + 1;
    return n < k ? n : k;
  };
  for (int64_t o = 0; o < out; o++) {
    const int64_t start = o * s - pad_b;
    const int64_t a = below(start, 0);
    int64_t b = below(start, in_len);
    if (b < a) b = a;
    r.lo[o] = static_cast<uint32_t>(a);
    r.hi[o] = static_cast<uint32_t>(b);
    const int64_t p = below(start, in_len + pad_e) - below(start, -pad_b);
    r.padded[o] = static_cast<uint32_t>(p < 0 ? 0 : p);
  }
  return r;
}

}  // namespace kernels
}  // namespace eq
