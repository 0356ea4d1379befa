// AVX2 depthwise convolution, 3x3 and 5x5, stride 1 or 2 (per axis), dilation 1, any padding;
// exact int32 (other geometries: supports() is false and the selector uses the scalar kernel).
//
// Vectorised along the output row. Per channel the input plane is first widened to int16 in a
// buffer bordered with the pad value (padding folded in, so the inner loops have no bounds
// checks and read every tap as a plain unaligned load). Two taps of one kernel row are then one VPMADDWD:
// an int32 lane of a 16 x int16 load at column x holds the pair (P[x+2i], P[x+2i+1]), which
// multiplied by the weight pair (w[kx], w[kx+1]) gives two taps of one output.
//   stride 2: lane i is output ox0+i directly (its taps start at column 2*(ox0+i)); loads at
//             +0, +2, +4 cover the tap pairs (0,1), (2,3), (4,-).
//   stride 1: a load gives every other output, so even outputs (loads at +0, +2, +4) and odd
//             outputs (loads at +1, +3, +5) are accumulated separately and interleaved at the
//             end (16 outputs per step).
// Exactness: |x*w| <= 127*127 and a VPMADDWD lane holds two such products (<= 32258, no
// saturation); the int32 sums of at most 25 products cannot overflow.
// Speed (igemm-bench --dwconv, this Zen 5): 4-9 MAC/cycle on 112..28-wide planes, 13-40x the
// scalar reference; 7x7 and 14x14 planes waste part of the 16-output step (1-2.5 MAC/cycle).
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/igemm.h"

namespace eq {
namespace kernels {
namespace {

bool Supports(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw) {
  return kh == kw && (kh == 3 || kh == 5) && (sh == 1 || sh == 2) && (sw == 1 || sw == 2) && dh == 1 && dw == 1;
}

inline __m256i Pair(int8_t lo, int8_t hi) {
  return _mm256_set1_epi32(static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16) | static_cast<uint16_t>(lo)));
}
inline size_t RoundUp16(size_t x) { return (x + 15) / 16 * 16; }
inline __m256i Load16(const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

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

// Int16 copy of one input plane into the bordered buffer: buffer row y, column x hold input
// (y - padT, x - padL). Only the input's own cells are written, so the border (filled with the
// pad value once per call) keeps it for every channel.
void WidenPlane(const int8_t* plane, uint32_t inH, uint32_t inW, uint32_t padT, uint32_t padL, size_t Hp, size_t Wp, int16_t* P) {
  if (padL >= Wp) return;
  const size_t n = std::min<size_t>(inW, Wp - padL);
  const size_t y_end = std::min<size_t>(Hp, static_cast<size_t>(padT) + inH);
  for (size_t y = padT; y < y_end; y++) {
    const int8_t* src = plane + (y - padT) * inW;
    int16_t* d = P + y * Wp + padL;
    size_t x = 0;
    for (; x + 16 <= n; x += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + x), _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + x))));
    for (; x < n; x++) d[x] = src[x];
  }
}

// One channel: every output row of a K x K kernel, stride SW along x (sh along y), from the
// widened plane `buf` (row pitch Wp). The weight pairs live in locals (not behind a pointer the
// output stores could alias), so they stay in registers or at worst in this frame.
template <int K, int SW>
void Plane(const int16_t* buf, size_t Wp, const int8_t* wc, uint32_t outH, uint32_t outW, uint32_t sh, int32_t* out) {
  constexpr int T = (K + 1) / 2;  // tap pairs per kernel row: (0,1), (2,3), (4,-)
  __m256i wv[K][T];
  for (int ky = 0; ky < K; ky++)
    for (int t = 0; t < T; t++) wv[ky][t] = Pair(wc[ky * K + 2 * t], 2 * t + 1 < K ? wc[ky * K + 2 * t + 1] : 0);
  for (uint32_t oy = 0; oy < outH; oy++) {
    const int16_t* row0 = buf + static_cast<size_t>(oy) * sh * Wp;
    int32_t* o = out + static_cast<size_t>(oy) * outW;
    for (size_t ox0 = 0; ox0 < outW; ox0 += 16) {
      const size_t n = std::min<size_t>(16, outW - ox0);
      __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
      for (int ky = 0; ky < K; ky++) {
        const int16_t* r = row0 + ky * Wp + SW * ox0;
        for (int t = 0; t < T; t++) {
          if (SW == 1) {  // s0: even outputs, s1: odd outputs
            s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(Load16(r + 2 * t), wv[ky][t]));
            s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(Load16(r + 2 * t + 1), wv[ky][t]));
          } else {  // s0: outputs ox0..ox0+7, s1: ox0+8..ox0+15
            s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(Load16(r + 2 * t), wv[ky][t]));
            s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(Load16(r + 16 + 2 * t), wv[ky][t]));
          }
        }
      }
      if (SW == 1) {  // interleave even/odd back into output order
        const __m256i lo = _mm256_unpacklo_epi32(s0, s1), hi = _mm256_unpackhi_epi32(s0, s1);
        s0 = _mm256_permute2x128_si256(lo, hi, 0x20);
        s1 = _mm256_permute2x128_si256(lo, hi, 0x31);
      }
      StorePartial(o + ox0, s0, std::min<size_t>(n, 8));
      if (n > 8) StorePartial(o + ox0 + 8, s1, n - 8);
    }
  }
}

void Run(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
         uint32_t sw, uint32_t /*dh*/, uint32_t /*dw*/, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, int32_t* acc) {
  if (outH == 0 || outW == 0 || c1 <= c0) return;
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  // buffer covers every tap row and every column a (16-output, over-reading) step loads
  const size_t Hp = static_cast<size_t>(outH - 1) * sh + kh;
  const size_t Wp = RoundUp16(outW) * sw + kw + 16;
  // filled once with the pad value: the padding border of every channel. The columns past the
  // last window (over-read by the 16-output steps) only meet the zero weight of a (w[4], 0)-style
  // pair or feed outputs >= outW that are never stored, so pad there cannot change a result.
  std::vector<int16_t> buf(Hp * Wp, static_cast<int16_t>(pad));
  auto plane = kh == 3 ? (sw == 1 ? Plane<3, 1> : Plane<3, 2>) : (sw == 1 ? Plane<5, 1> : Plane<5, 2>);
  for (size_t c = c0; c < c1; c++) {
    WidenPlane(x + c * hw, inH, inW, padT, padL, Hp, Wp, buf.data());
    plane(buf.data(), Wp, w + c * kh * kw, outH, outW, sh, acc + (c - c0) * P);
  }
}

const DwConvKernel kDw{"dw-avx2-maddwd", Isa::kAvx2, Supports, Run};

}  // namespace

const DwConvKernel* DwConvAvx2() { return &kDw; }

}  // namespace kernels
}  // namespace eq
