// NEON im2col of one GEMM column block: the same bytes as scalar/im2col_s8.cc's Im2ColS8Block.
// The scalar version spends most of its instructions on bookkeeping, not on bytes: per row
// segment (one output row of one k) a division and up to three memset/memcpy calls for 7..56
// bytes; under qemu that was 10 % of ResNet-18's NEON instructions. Here the block's first
// output row is found once, k's (ci, ky, kx) are counters, and short zero runs and copies
// are inline NEON stores (overlapping 16/8-byte stores instead of byte tails).
#include <arm_neon.h>

#include <algorithm>

#include "kernels/im2col_taps.h"
#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

inline void Zero(int8_t* d, size_t n) {
  if (n >= 16) {
    const int8x16_t z = vdupq_n_s8(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) vst1q_s8(d + i, z);
    if (i < n) vst1q_s8(d + n - 16, z);
  } else if (n >= 8) {
    vst1_s8(d, vdup_n_s8(0));
    vst1_s8(d + n - 8, vdup_n_s8(0));
  } else {
    for (size_t i = 0; i < n; i++) d[i] = 0;
  }
}

// d[i] = s[i] for i < n; reads only s[0, n)
inline void Copy(int8_t* d, const int8_t* s, size_t n) {
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) vst1q_s8(d + i, vld1q_s8(s + i));
    if (i < n) vst1q_s8(d + n - 16, vld1q_s8(s + n - 16));
  } else if (n >= 8) {
    vst1_s8(d, vld1_s8(s));
    vst1_s8(d + n - 8, vld1_s8(s + n - 8));
  } else {
    for (size_t i = 0; i < n; i++) d[i] = s[i];
  }
}

// d[i] = s[2 i] for i < n; reads only s[0, 2n - 1)
inline void Copy2(int8_t* d, const int8_t* s, size_t n) {
  size_t i = 0;
  for (; i + 17 <= n; i += 16) vst1q_s8(d + i, vld2q_s8(s + 2 * i).val[0]);  // reads s[2i, 2i + 32)
  for (; i < n; i++) d[i] = s[2 * i];
}

}  // namespace

void Im2ColS8BlockNeon(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst) {
  const size_t cpg = g.cin / g.group;
  const size_t hw = static_cast<size_t>(g.inH) * g.inW;
  const size_t ld = p1 - p0;
  const size_t oy0 = p0 / g.outW, xa0 = p0 - oy0 * g.outW;
  size_t ci = 0, ky = 0, kx = 0;
  for (size_t k = 0; k < g.K; k++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    const Im2ColTap tap = Im2ColTapBounds(g, ky, kx);  // zeros outside [vx0, vx1)
    const int64_t off_y = tap.off_y, off_x = tap.off_x, vx0 = tap.vx0, vx1 = tap.vx1;
    int8_t* row = dst + k * ld;
    size_t p = p0, oy = oy0, xa = xa0;
    int64_t iy = static_cast<int64_t>(oy0) * g.sh + off_y;
    while (p < p1) {
      const size_t xb = std::min<size_t>(g.outW, xa + (p1 - p));
      int8_t* out = row + (p - p0) - xa;  // out[ox] for ox in [xa, xb)
      const int64_t a = std::max<int64_t>(static_cast<int64_t>(xa), vx0), b = std::min<int64_t>(static_cast<int64_t>(xb), vx1);
      if (iy < 0 || iy >= static_cast<int64_t>(g.inH) || a >= b) {
        Zero(out + xa, xb - xa);
      } else {
        const int8_t* src = plane + static_cast<size_t>(iy) * g.inW;
        Zero(out + xa, static_cast<size_t>(a) - xa);
        const size_t n = static_cast<size_t>(b - a);
        if (g.sw == 1) {
          Copy(out + a, src + a + off_x, n);
        } else if (g.sw == 2) {
          Copy2(out + a, src + a * 2 + off_x, n);
        } else {
          const int8_t* sp = src + a * g.sw + off_x;
          for (int64_t ox = a; ox < b; ox++, sp += g.sw) out[ox] = *sp;
        }
        Zero(out + b, xb - static_cast<size_t>(b));
      }
      p += xb - xa;
      xa = 0;
      oy++;
      iy += g.sh;
    }
    if (++kx == g.kw) {
      kx = 0;
      if (++ky == g.kh) {
        ky = 0;
        ci++;
      }
    }
  }
}

}  // namespace kernels
}  // namespace eq
