// What both AVX2 depthwise kernels (dwconv_avx2.cc, dwconv_avx2_int7.cc) share: the bordered
// input plane (the padding folded into a byte buffer once per channel, so the inner loops have
// no bounds checks) and the fused int8 output stage of a 16-output step. Included only by files
// compiled with -mavx2.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/scalar/copy_small.h"
#include "kernels/x86_avx2/requant_avx2.h"

namespace eq {
namespace kernels {
namespace {

inline size_t RoundUp16(size_t x) { return (x + 15) / 16 * 16; }

// Copy of one input plane into the bordered buffer: buffer row y, column x hold input
// (y - padT, x - padL). Only the input's own cells are written, so the border (filled with the
// pad value once per call) keeps it for every channel. CopySmall, not memcpy: the rows are
// 7..224 bytes, and a library call per row cost as much as the convolution of a 14x14 plane.
inline void CopyPlane(const int8_t* plane, uint32_t inH, uint32_t inW, uint32_t padT, uint32_t padL, size_t Hp, size_t Wp, int8_t* P) {
  if (padL >= Wp) return;
  const size_t n = std::min<size_t>(inW, Wp - padL);
  const size_t y_end = std::min<size_t>(Hp, static_cast<size_t>(padT) + inH);
  for (size_t y = padT; y < y_end; y++) CopySmall(P + y * Wp + padL, plane + (y - padT) * inW, n);
}

// The first n <= 16 bytes of v at o (through a stack copy; fixed-size moves, no library call).
inline void StoreBytes(int8_t* o, __m128i v, size_t n) {
  alignas(16) int8_t t[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(t), v);
  CopySmall(o, t, n);
}

// The 16 bytes of a step at o, of which the first n are real (end: the call's outputs' end).
// A short step (the row's end) still stores all 16 bytes while they stay inside the call's
// outputs: the bytes past the row are the next row's (or channel's) first ones, which their own
// step, coming later in the same call (rows and channels go in address order), overwrites. One
// plain store is measurably faster than any partial one here (28- and 14-wide rows end in a
// short step). Only the call's last bytes take StoreBytes.
inline void StoreStep(int8_t* o, const int8_t* end, __m128i v, size_t n) {
  if (o + 16 <= end) _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
  else StoreBytes(o, v, n);
}

// The fused int8 output stage of a 16-output step (the sums start from the bias). kInLane: the
// sums arrive as outputs (0-3, 8-11) and (4-7, 12-15), the order VPUNPCK*+VPMADDWD leave them in
// (dwconv_avx2_int7.cc); else as 0-7 and 8-15. kI16: the int16 clamp (RequantPack).
template <bool kInLane, bool kI16>
struct S8Sink {
  int8_t* out;        // the current channel's outputs
  const int8_t* end;  // end of the call's outputs (channel c1)
  uint32_t outW;
  __m256 m;  // the current channel's multiplier
  RequantBounds b;
  void operator()(uint32_t oy, size_t ox0, size_t n, __m256i s0, __m256i s1) const {
    StoreStep(out + static_cast<size_t>(oy) * outW + ox0, end, RequantPack<kInLane, kI16>(s0, s1, m, b), n);
  }
};

// body(sink) with the sink the call's bounds ask for (b.i16: the int16 clamp), so the clamp is
// chosen once per call and each step's code has no branch. body sets sink.out and sink.m per
// channel.
template <bool kInLane, class Body>
inline void WithS8Sink(const int8_t* end, uint32_t outW, const RequantBounds& b, Body&& body) {
  if (b.i16) {
    S8Sink<kInLane, true> sink{nullptr, end, outW, _mm256_setzero_ps(), b};
    body(sink);
  } else {
    S8Sink<kInLane, false> sink{nullptr, end, outW, _mm256_setzero_ps(), b};
    body(sink);
  }
}

}  // namespace
}  // namespace kernels
}  // namespace eq
