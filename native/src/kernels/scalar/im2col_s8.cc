// Packing for the int8 GEMM: im2col of one convolution group, and the gemm input transpose.
#include <cstring>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {

void Im2ColS8(const int8_t* x, const LinearGeom& g, uint32_t group, int8_t* cols) {
  const size_t cpg = g.cin / g.group;
  const size_t hw = static_cast<size_t>(g.inH) * g.inW;
  const size_t P = g.P;
  size_t k = 0;
  for (size_t ci = 0; ci < cpg; ci++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    for (uint32_t ky = 0; ky < g.kh; ky++) {
      const int64_t off_y = static_cast<int64_t>(ky) * g.dh - g.padT;
      for (uint32_t kx = 0; kx < g.kw; kx++, k++) {
        int8_t* row = cols + k * P;
        const int64_t off_x = static_cast<int64_t>(kx) * g.dw - g.padL;
        size_t j = 0;
        for (uint32_t oy = 0; oy < g.outH; oy++) {
          const int64_t iy = static_cast<int64_t>(oy) * g.sh + off_y;
          if (iy < 0 || iy >= static_cast<int64_t>(g.inH)) {
            std::memset(row + j, 0, g.outW);
            j += g.outW;
            continue;
          }
          const int8_t* src = plane + static_cast<size_t>(iy) * g.inW;
          for (uint32_t ox = 0; ox < g.outW; ox++) {
            const int64_t ix = static_cast<int64_t>(ox) * g.sw + off_x;
            row[j++] = (ix >= 0 && ix < static_cast<int64_t>(g.inW)) ? src[ix] : 0;
          }
        }
      }
    }
  }
}

void PackGemmInputS8(const int8_t* x, uint32_t P, uint32_t K, int8_t* cols) {
  for (size_t p = 0; p < P; p++)
    for (size_t k = 0; k < K; k++) cols[k * P + p] = x[p * K + k];
}

}  // namespace kernels
}  // namespace eq
