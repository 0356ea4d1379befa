// Per-ISA constructors of the integer Winograd convolution (winograd_<isa>.cc), called by
// MakeWinogradConv() in winograd.cc after it has validated geometry, tile, qmax and weights.
#pragma once

#include <cstdint>
#include <memory>

#include "kernels/winograd.h"

namespace eq {
namespace kernels {

std::unique_ptr<WinogradConv> MakeWinogradScalar(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile);
#if defined(EQ_HAVE_AVX2)
std::unique_ptr<WinogradConv> MakeWinogradAvx2(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile);
#endif
#if defined(EQ_HAVE_AVX512VNNI)
std::unique_ptr<WinogradConv> MakeWinogradAvx512(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile);
#endif
#if defined(EQ_HAVE_NEON)
std::unique_ptr<WinogradConv> MakeWinogradNeon(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile);
#endif

}  // namespace kernels
}  // namespace eq
