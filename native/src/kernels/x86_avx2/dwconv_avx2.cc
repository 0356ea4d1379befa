// AVX2 depthwise convolution, 3x3 and 5x5, stride 1 or 2 (per axis), dilation 1, any padding;
// exact int32 (other geometries: supports() is false and the selector uses the scalar kernel),
// and the same loops with the int8 output stage fused in (DwConvS8Avx2, dwconv_s8.h): the sums
// start from the bias and each 16-output step is requantized in registers and stored as bytes.
//
// Vectorised along the output row. Per channel the input plane is first copied into a byte
// buffer bordered with the pad value (padding folded in, so the inner loops have no bounds
// checks and read every tap as a plain unaligned load, sign-extended to int16 by VPMOVSXBW as
// it is loaded; an int16 copy of the plane cost half as much as the convolution on 112x112
// planes, and this one is a memcpy per row). Two taps of one kernel row are then one VPMADDWD:
// an int32 lane of 16 int16 loaded at column x holds the pair (P[x+2i], P[x+2i+1]), which
// multiplied by the weight pair (w[kx], w[kx+1]) gives two taps of one output.
//   stride 2: lane i is output ox0+i directly (its taps start at column 2*(ox0+i)); loads at
//             +0, +2, +4 cover the tap pairs (0,1), (2,3), (4,-).
//   stride 1: a load gives every other output, so even outputs (loads at +0, +2, +4) and odd
//             outputs (loads at +1, +3, +5) are accumulated separately and interleaved at the
//             end (16 outputs per step).
// Exactness: |x*w| <= 127*127 and a VPMADDWD lane holds two such products (<= 32258, no
// saturation); the int32 sums of at most 25 products cannot overflow.
// Speed (igemm-bench --dwconv, AMD EPYC Zen 3, 2026-12-07): 5-9 MAC/cycle on 112..28-wide
// planes, 19-37x the scalar reference; 7x7 and 14x14 planes waste part of the 16-output step
// (2-4 MAC/cycle). The fused int8 path: 1.0-1.3x the sums + AVX2 output stage per layer.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/dwconv_s8.h"
#include "kernels/igemm.h"
#include "kernels/x86_avx2/dwconv_avx2_common.h"
#include "kernels/x86_avx2/requant_avx2.h"

namespace eq {
namespace kernels {
namespace {

bool Supports(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw) {
  return kh == kw && (kh == 3 || kh == 5) && (sh == 1 || sh == 2) && (sw == 1 || sw == 2) && dh == 1 && dw == 1;
}

inline __m256i Pair(int8_t lo, int8_t hi) {
  return _mm256_set1_epi32(static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16) | static_cast<uint16_t>(lo)));
}
// full unrolling of the tap loops (GCC otherwise may keep accumulators in memory)
#define EQ_DW_UNROLL _Pragma("GCC unroll 16")

// 16 bytes from the int8 buffer, sign-extended to 16 int16 lanes
inline __m256i Load16(const int8_t* p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

// Stores n <= 8 int32 lanes.
inline void StorePartial(int32_t* dst, __m256i v, size_t n) {
  if (n == 8) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
  } else {
    alignas(32) int32_t t[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), v);
    std::memcpy(dst, t, n * 4);
  }
}

// Where a 16-output step goes: two int32 vectors, outputs ox0..ox0+7 and ox0+8..ox0+15 of
// row oy, of which the first n <= 16 are real.
struct SumsSink {  // the int32 sums (DwConvKernel::run)
  int32_t* out;
  uint32_t outW;
  void operator()(uint32_t oy, size_t ox0, size_t n, __m256i s0, __m256i s1) const {
    int32_t* o = out + static_cast<size_t>(oy) * outW + ox0;
    StorePartial(o, s0, std::min<size_t>(n, 8));
    if (n > 8) StorePartial(o + 8, s1, n - 8);
  }
};


// 16 outputs of one output row (columns ox0.. from the buffer rows starting at row0), as s0
// (outputs 0..7) and s1 (8..15), starting from init.
template <int K, int SW>
inline void Step(const int8_t* row0, size_t Wp, const __m256i (&wv)[K][(K + 1) / 2], __m256i init, __m256i& s0, __m256i& s1) {
  constexpr int T = (K + 1) / 2;
  s0 = s1 = init;
  EQ_DW_UNROLL
  for (int ky = 0; ky < K; ky++) {
    const int8_t* p = row0 + ky * Wp;
    EQ_DW_UNROLL
    for (int t = 0; t < T; t++) {
      // SW 1: s0 even outputs from +2t, s1 odd ones from +2t+1; SW 2: outputs 0..7 and 8..15
      s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(Load16(p + 2 * t), wv[ky][t]));
      s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(Load16(p + (SW == 1 ? 1 : 16) + 2 * t), wv[ky][t]));
    }
  }
  if (SW == 1) {  // interleave even/odd back into output order
    const __m256i lo = _mm256_unpacklo_epi32(s0, s1), hi = _mm256_unpackhi_epi32(s0, s1);
    s0 = _mm256_permute2x128_si256(lo, hi, 0x20);
    s1 = _mm256_permute2x128_si256(lo, hi, 0x31);
  }
}

// One channel: every output row of a K x K kernel, stride SW along x (sh along y), from the
// bordered plane `buf` (row pitch Wp); the sums start from `init`. The weight pairs live in locals
// (not behind a pointer the output stores could alias), so they stay in registers or at worst
// in this frame.
template <int K, int SW, class Sink>
void Plane(const int8_t* buf, size_t Wp, const int8_t* wc, uint32_t outH, uint32_t outW, uint32_t sh, __m256i init, const Sink& sink) {
  constexpr int T = (K + 1) / 2;  // tap pairs per kernel row: (0,1), (2,3), (4,-)
  __m256i wv[K][T];
  for (int ky = 0; ky < K; ky++)
    for (int t = 0; t < T; t++) wv[ky][t] = Pair(wc[ky * K + 2 * t], 2 * t + 1 < K ? wc[ky * K + 2 * t + 1] : 0);
  for (uint32_t oy = 0; oy < outH; oy++) {
    const int8_t* row0 = buf + static_cast<size_t>(oy) * sh * Wp;
    for (size_t ox0 = 0; ox0 < outW; ox0 += 16) {
      __m256i s0, s1;
      Step<K, SW>(row0 + SW * ox0, Wp, wv, init, s0, s1);
      sink(oy, ox0, std::min<size_t>(16, outW - ox0), s0, s1);
    }
  }
}

// The bordered plane buffer of a call: covers every tap row and every column a
// (16-output, over-reading) step loads. Filled once with the pad value: the padding border of
// every channel. The columns past the last window (over-read by the 16-output steps) only meet
// the zero weight of a (w[4], 0)-style pair or feed outputs >= outW that are never stored, so
// pad there cannot change a result.
struct PlaneBuffer {
  size_t Hp, Wp;
  std::vector<int8_t> data;
  PlaneBuffer(uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, int8_t pad)
      : Hp(static_cast<size_t>(outH - 1) * sh + kh), Wp(RoundUp16(outW) * sw + kw + 16), data(Hp * Wp, pad) {}
};

template <class Sink>
auto PickPlane(uint32_t k, uint32_t sw) -> decltype(&Plane<3, 1, Sink>) {
  return k == 3 ? (sw == 1 ? Plane<3, 1, Sink> : Plane<3, 2, Sink>) : (sw == 1 ? Plane<5, 1, Sink> : Plane<5, 2, Sink>);
}

void Run(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
         uint32_t sw, uint32_t /*dh*/, uint32_t /*dw*/, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, int32_t* acc) {
  if (outH == 0 || outW == 0 || c1 <= c0) return;
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  PlaneBuffer b(outH, outW, kh, kw, sh, sw, pad);
  const auto plane = PickPlane<SumsSink>(kh, sw);
  for (size_t c = c0; c < c1; c++) {
    CopyPlane(x + c * hw, inH, inW, padT, padL, b.Hp, b.Wp, b.data.data());
    plane(b.data.data(), b.Wp, w + c * kh * kw, outH, outW, sh, _mm256_setzero_si256(), SumsSink{acc + (c - c0) * P, outW});
  }
}

const DwConvKernel kDw{"dw-avx2-maddwd", Isa::kAvx2, Supports, Run};

}  // namespace

bool DwConvS8Avx2(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
                  uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out) {
  if (!Supports(kh, kw, sh, sw, 1, 1)) return false;
  if (outH == 0 || outW == 0 || c1 <= c0) return true;
  // every partial sum is within |bias| + kh*kw*128*127 of 0: if that fits, no int32 step wraps
  if (!BiasFitsInt32(s.bias, c0, c1, static_cast<int64_t>(kh) * kw * 128 * 127)) return false;
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  PlaneBuffer b(outH, outW, kh, kw, sh, sw, pad);
  // |acc - bias| <= kh * kw * 128 * 127
  const bool i16 = RequantInt16Exact(s.bias, s.mult, c0, c1, static_cast<double>(kh) * kw * 128 * 127);
  WithS8Sink<false>(out + c1 * P, outW, MakeRequantBounds(s.lo, s.hi, s.zero, i16), [&](auto& sink) {
    const auto plane = PickPlane<std::decay_t<decltype(sink)>>(kh, sw);
    for (size_t c = c0; c < c1; c++) {
      CopyPlane(x + c * hw, inH, inW, padT, padL, b.Hp, b.Wp, b.data.data());
      sink.out = out + c * P;
      sink.m = _mm256_set1_ps(s.mult[c]);
      plane(b.data.data(), b.Wp, w + c * kh * kw, outH, outW, sh, _mm256_set1_epi32(s.bias[c]), sink);
    }
  });
  return true;
}

const DwConvKernel* DwConvAvx2() { return &kDw; }

}  // namespace kernels
}  // namespace eq
