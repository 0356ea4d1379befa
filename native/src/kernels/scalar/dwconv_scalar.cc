// Scalar depthwise convolution (any kernel size, stride, dilation, padding): the reference
// for the SIMD depthwise kernels. Taps outside the input read the stored value `pad` (0 as in
// im2col, or -z for an input with zero offset z).
#include "kernels/igemm.h"

namespace eq {
namespace kernels {
namespace {

bool SupportsAll(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) { return true; }

void Run(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw,
         uint32_t dh, uint32_t dw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, int32_t* acc) {
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  for (size_t c = c0; c < c1; c++) {
    const int8_t* plane = x + c * hw;
    const int8_t* wc = w + c * kh * kw;
    int32_t* out = acc + (c - c0) * P;
    for (uint32_t oy = 0; oy < outH; oy++)
      for (uint32_t ox = 0; ox < outW; ox++) {
        int32_t s = 0;
        for (uint32_t ky = 0; ky < kh; ky++) {
          const int64_t iy = static_cast<int64_t>(oy) * sh + static_cast<int64_t>(ky) * dh - padT;
          const bool row_in = iy >= 0 && iy < inH;
          for (uint32_t kx = 0; kx < kw; kx++) {
            const int64_t ix = static_cast<int64_t>(ox) * sw + static_cast<int64_t>(kx) * dw - padL;
            const int32_t v = row_in && ix >= 0 && ix < inW ? plane[iy * inW + ix] : pad;
            s += v * wc[ky * kw + kx];
          }
        }
        out[static_cast<size_t>(oy) * outW + ox] = s;
      }
  }
}

const DwConvKernel kScalar{"dw-scalar", Isa::kScalar, SupportsAll, Run};

}  // namespace

const DwConvKernel* DwConvScalar() { return &kScalar; }

}  // namespace kernels
}  // namespace eq
