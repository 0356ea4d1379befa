// Packing for the int8 GEMM: im2col of one convolution group, and the gemm input transpose.
#include <algorithm>
#include <cstring>

#include "kernels/im2col_taps.h"
#include "kernels/kernels.h"

namespace eq {
namespace kernels {

void Im2ColS8Block(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst) {
  const size_t cpg = g.cin / g.group;
  const size_t hw = static_cast<size_t>(g.inH) * g.inW;
  const size_t taps = static_cast<size_t>(g.kh) * g.kw;
  const size_t ld = p1 - p0;
  for (size_t k = 0; k < g.K; k++) {
    const size_t ci = k / taps, ky = (k % taps) / g.kw, kx = k % g.kw;
    const int8_t* plane = x + (group * cpg + ci) * hw;
    const Im2ColTap tap = Im2ColTapBounds(g, ky, kx);  // zeros outside [vx0, vx1)
    const int64_t off_y = tap.off_y, off_x = tap.off_x, vx0 = tap.vx0, vx1 = tap.vx1;
    int8_t* row = dst + k * ld;
    // the block's positions, one output row segment [xa, xb) at a time
    for (size_t p = p0; p < p1;) {
      const size_t oy = p / g.outW, xa = p - oy * g.outW, xb = std::min<size_t>(g.outW, xa + (p1 - p));
      int8_t* out = row + (p - p0) - xa;  // out[ox] for ox in [xa, xb)
      const int64_t iy = static_cast<int64_t>(oy) * g.sh + off_y;
      if (iy < 0 || iy >= static_cast<int64_t>(g.inH)) {
        std::memset(out + xa, 0, xb - xa);
      } else {
        const int8_t* src = plane + static_cast<size_t>(iy) * g.inW;
        const int64_t a = std::max<int64_t>(static_cast<int64_t>(xa), vx0), b = std::min<int64_t>(static_cast<int64_t>(xb), vx1);
        if (a >= b) {
          std::memset(out + xa, 0, xb - xa);
        } else {
          std::memset(out + xa, 0, static_cast<size_t>(a) - xa);
          if (g.sw == 1) {
            std::memcpy(out + a, src + a + off_x, static_cast<size_t>(b - a));
          } else if (g.sw == 2) {  // constant stride: the compiler vectorises it (stem convs)
            const int8_t* sp = src + a * 2 + off_x;
            int8_t* op = out + a;
            const size_t n = static_cast<size_t>(b - a);
            for (size_t i = 0; i < n; i++) op[i] = sp[2 * i];
          } else {
            const int8_t* sp = src + a * g.sw + off_x;
            for (int64_t ox = a; ox < b; ox++, sp += g.sw) out[ox] = *sp;
          }
          std::memset(out + b, 0, xb - static_cast<size_t>(b));
        }
      }
      p += xb - xa;
    }
  }
}

void Im2ColS8(const int8_t* x, const LinearGeom& g, uint32_t group, int8_t* cols) { Im2ColS8Block(x, g, group, 0, g.P, cols); }

void PackGemmInputS8(const int8_t* x, uint32_t P, uint32_t K, int8_t* cols) {
  for (size_t p = 0; p < P; p++)
    for (size_t k = 0; k < K; k++) cols[k * P + p] = x[p * K + k];
}

}  // namespace kernels
}  // namespace eq
