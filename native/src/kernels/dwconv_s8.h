// Depthwise convolution with the output stage fused in: int8 outputs written straight from the
// accumulator registers (bias, multiplier, the activation's [lo, hi] clamp), without the int32
// accumulator plane the DwConvKernel + OutputStageS8 pair goes through. Same arithmetic, so the
// same bytes as that pair (and as the integer reference).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/isa.h"
#include "kernels/kernels.h"

namespace eq {
namespace kernels {

// Channels [c0, c1): out[c * outH * outW + p] (NCHW, no tap); padded taps read `pad` (see
// DwConvKernel). Returns false without writing anything when it cannot guarantee that acc +
// bias stays in int32 (a huge bias); the caller then takes the unfused path, which reports the
// overflowing channel.
using DwConvS8Fn = bool (*)(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw,
                            uint32_t sh, uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out);

// The fused kernel for this geometry on `isa` (dilation 1 only), or nullptr if there is none.
// qmax: the model's |x|, |w| bound (63 for INT7 allows the INT16-intermediate kernel).
DwConvS8Fn SelectDwConvS8(Isa isa, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw, int32_t qmax);
// The name profiles show for a fused kernel with its own arithmetic (the INT7 one), else nullptr
// (the fused kernel runs the same loops as the DwConvKernel of its level, whose name is shown).
const char* DwConvS8Name(DwConvS8Fn fn);

#if defined(EQ_HAVE_AVX2)
// x86_avx2/dwconv_avx2.cc: 3x3 and 5x5 only (DwConvAvx2's geometries)
bool DwConvS8Avx2(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
                  uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out);
// x86_avx2/dwconv_avx2_int7.cc: 3x3 stride 1, or stride 2 along x (1 or 2 along y), with
// VPMADDUBSW, exact only for |x|, |w| <= 63 (INT7); other geometries (DwInt7Geometry false) and
// a pad value outside [-64, 63] go to DwConvS8Avx2
bool DwInt7Geometry(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw);
bool DwConvS8Avx2Int7(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw,
                      uint32_t sh, uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out);
#endif
#if defined(EQ_HAVE_AVX512VNNI)
// x86_avx512vnni/dwconv_avx512.cc
bool DwConvS8Avx512(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
                    uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out);
#endif

}  // namespace kernels
}  // namespace eq
