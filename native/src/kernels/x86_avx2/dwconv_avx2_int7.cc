// AVX2 INT7 depthwise 3x3 stride 1 with the int8 output stage fused (DwConvS8Avx2Int7,
// dwconv_s8.h): VPMADDUBSW on pairs of input rows, 16 outputs per instruction where the general
// AVX2 kernel (dwconv_avx2.cc) gets 8 per VPMADDWD after sign-extending every load. Other
// geometries go to that kernel.
//
// Layout: the bordered plane (dwconv_avx2_common.h) is re-stored as row pairs, byte-interleaved
// and offset by +64: pair j holds Q[2x + r] = B[2j + r][x] + 64 (r = 0, 1), so a 32-byte load at
// column x is 16 (row 2j, row 2j+1) pairs of consecutive columns, and VPMADDUBSW with the weight
// pair (w_a, w_b) gives lane i = w_a*u(2j, x+i) + w_b*u(2j+1, x+i): two taps of 16 outputs.
// Output row oy reads rows oy..oy+2, which lie in pairs j = oy/2 and j+1:
//   oy even: pair j with (w0k, w1k) — two taps per lane — and pair j+1 with (w2k, 0)
//   oy odd:  pair j with (0, w0k) — one tap — and pair j+1 with (w1k, w2k)
// so only even-row pairs are stored and every input row is interleaved once.
//
// Exactness (|x|, |w| <= 63, the INT7 range; the loader guarantees it and the selector picks
// this kernel only for qmax <= 63):
//   - u = x + 64 is in [1, 127], so u fits VPMADDUBSW's unsigned operand; sum(u*w) =
//     sum(x*w) + 64*sum(w), and 64*sum(w) is taken off the bias once per channel.
//   - a VPMADDUBSW lane is at most 2 * 127 * 63 = 16002 (no saturation); the int16 sums below
//     add at most 4 products (32004 <= 32767), then VPMADDWD with ones widens two of them into
//     one int32 lane. 9 taps = groups of 4 + 4 + 1. (Adding all 9 in int16 for the channels
//     whose weights allow it, 60-86 % of trained ones, was 2 % slower on MobileNetV2: the
//     widening moved to the shuffle ports, which the output stage's packs already load.)
//   - the int32 sums start from bias - 64*sum(w); the call declines (caller takes the unfused
//     path) when |bias| could leave int32 on the way.
#include <immintrin.h>

#include <vector>

#include "kernels/dwconv_s8.h"
#include "kernels/x86_avx2/dwconv_avx2_common.h"
#include "kernels/x86_avx2/requant_avx2.h"

namespace eq {
namespace kernels {
namespace {

constexpr int kOffset = 64;  // x + 64 is unsigned for |x| <= 63

// Broadcast of the signed weight pair (a, b): the multiplier of bytes (row 2j, row 2j+1).
inline __m256i WeightPair(int8_t a, int8_t b) {
  return _mm256_set1_epi16(static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint8_t>(a)) | static_cast<uint16_t>(static_cast<uint8_t>(b)) << 8));
}

inline __m256i Maddubs(const uint8_t* p, __m256i w) { return _mm256_maddubs_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), w); }

// The weights of one output-row parity: X is the pair with two taps per lane (three columns
// k = 0..2), Y the pair with one.
struct RowWeights {
  __m256i x[3], y[3];
};

// 16 outputs of one row (columns x0..x0+15): qx/qy point at column x0 of the X and Y pairs.
// Returns outputs (0-3, 8-11) in s0 and (4-7, 12-15) in s1 (S8Sink<true>'s order).
inline void Step(const uint8_t* qx, const uint8_t* qy, const RowWeights& w, __m256i init, __m256i& s0, __m256i& s1) {
  const __m256i ones = _mm256_set1_epi16(1), zero = _mm256_setzero_si256();
  // g1: 4 taps, g2: 2 + 1 + 1 taps, g3: 1 tap (each int16 lane within 4 * 127 * 63)
  const __m256i g1 = _mm256_add_epi16(Maddubs(qx, w.x[0]), Maddubs(qx + 2, w.x[1]));
  const __m256i g2 = _mm256_add_epi16(Maddubs(qx + 4, w.x[2]), _mm256_add_epi16(Maddubs(qy, w.y[0]), Maddubs(qy + 2, w.y[1])));
  const __m256i g3 = Maddubs(qy + 4, w.y[2]);
  s0 = _mm256_add_epi32(init, _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(g1, g2), ones), _mm256_madd_epi16(_mm256_unpacklo_epi16(g3, zero), ones)));
  s1 = _mm256_add_epi32(init, _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(g1, g2), ones), _mm256_madd_epi16(_mm256_unpackhi_epi16(g3, zero), ones)));
}

// The output stage with the clamp in int16 (RequantPackInLane16I16), taken when
// RequantInt16Exact holds for the call's channels.
struct S8SinkI16 {
  int8_t* out;
  const int8_t* end;  // end of the call's outputs (channel c1)
  uint32_t outW;
  __m256 m;
  __m256i lo, hi, z;  // int16 lanes: the clamp plus z, and z
  void operator()(uint32_t oy, size_t ox0, size_t n, __m256i s0, __m256i s1) const {
    StoreStep(out + static_cast<size_t>(oy) * outW + ox0, end, RequantPackInLane16I16(s0, s1, m, lo, hi, z), n);
  }
};

// Every output row of one channel from its row pairs Q.
template <class Sink>
void Rows(const uint8_t* Q, size_t Wp, const RowWeights& even, const RowWeights& odd, __m256i init, uint32_t outH, uint32_t outW, const Sink& sink) {
  for (uint32_t oy = 0; oy < outH; oy++) {
    const uint8_t* pj = Q + static_cast<size_t>(oy / 2) * 2 * Wp;  // pair j = oy / 2
    const bool odd_row = oy & 1;
    const uint8_t* qx = odd_row ? pj + 2 * Wp : pj;
    const uint8_t* qy = odd_row ? pj : pj + 2 * Wp;
    const RowWeights& rw = odd_row ? odd : even;
    for (size_t x0 = 0; x0 < outW; x0 += 16) {
      __m256i s0, s1;
      Step(qx + 2 * x0, qy + 2 * x0, rw, init, s0, s1);
      sink(oy, x0, std::min<size_t>(16, outW - x0), s0, s1);
    }
  }
}

// Row pairs of the bordered plane B (rows x Wp, rows even) into Q (rows / 2 pairs of 2 * Wp
// bytes), +64 on every byte. Wp is a multiple of 16.
void InterleavePairs(const int8_t* B, size_t rows, size_t Wp, uint8_t* Q) {
  const __m128i off = _mm_set1_epi8(kOffset);
  for (size_t j = 0; j + 1 < rows; j += 2) {
    const int8_t* r0 = B + j * Wp;
    const int8_t* r1 = r0 + Wp;
    uint8_t* q = Q + j * Wp;  // pair j/2 starts at (j/2) * 2 * Wp
    for (size_t x = 0; x < Wp; x += 16) {
      const __m128i a = _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + x)), off);
      const __m128i b = _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + x)), off);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 2 * x), _mm_unpacklo_epi8(a, b));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 2 * x + 16), _mm_unpackhi_epi8(a, b));
    }
  }
}

}  // namespace

bool DwConvS8Avx2Int7(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw,
                      uint32_t sh, uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out) {
  // other geometries, and a pad value outside the INT7 range (u must stay in [0, 127])
  if (kh != 3 || kw != 3 || sh != 1 || sw != 1 || pad < -kOffset || pad >= kOffset)
    return DwConvS8Avx2(x, w, inH, inW, outH, outW, kh, kw, sh, sw, padT, padL, pad, c0, c1, s, out);
  if (outH == 0 || outW == 0 || c1 <= c0) return true;
  // sums stay within |bias| + 9 * 128 * 127 (the general kernel's reach) plus the offset term
  if (!BiasFitsInt32(s.bias, c0, c1, 9 * 128 * 127 + 9 * kOffset * 127)) return false;
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  // rows 0..outH+2 are read, rounded up to whole pairs; columns: a 16-output step at x0 loads
  // columns x0..x0+17 (32 bytes at 2 * (x0 + k)), so RoundUp16(outW) + 16 covers every step
  const size_t rows = (static_cast<size_t>(outH) + 3 + 1) & ~static_cast<size_t>(1), Wp = RoundUp16(outW) + 16;
  std::vector<int8_t> B(rows * Wp, pad);
  std::vector<uint8_t> Q(rows * Wp);
  S8Sink<true> sink{nullptr, out + c1 * P, outW, _mm256_setzero_ps(), _mm256_set1_ps(static_cast<float>(s.lo + s.zero)), _mm256_set1_ps(static_cast<float>(s.hi + s.zero)),
                    _mm256_set1_epi32(s.zero)};
  S8SinkI16 sink16{nullptr, out + c1 * P, outW, _mm256_setzero_ps(), _mm256_set1_epi16(static_cast<int16_t>(s.lo + s.zero)),
                   _mm256_set1_epi16(static_cast<int16_t>(s.hi + s.zero)), _mm256_set1_epi16(static_cast<int16_t>(s.zero))};
  const bool i16 = RequantInt16Exact(s.bias, s.mult, c0, c1, 9.0 * 64 * 63);  // |sum(x * w)| <= 9 * 64 * 63
  for (size_t c = c0; c < c1; c++) {
    CopyPlane(x + c * hw, inH, inW, padT, padL, rows, Wp, B.data());
    InterleavePairs(B.data(), rows, Wp, Q.data());
    const int8_t* k = w + c * 9;
    int32_t wsum = 0;
    for (int i = 0; i < 9; i++) wsum += k[i];
    RowWeights even, odd;
    for (int t = 0; t < 3; t++) {
      even.x[t] = WeightPair(k[t], k[3 + t]), even.y[t] = WeightPair(k[6 + t], 0);  // X = pair j, Y = pair j+1
      odd.x[t] = WeightPair(k[3 + t], k[6 + t]), odd.y[t] = WeightPair(0, k[t]);    // X = pair j+1, Y = pair j
    }
    const __m256i init = _mm256_set1_epi32(s.bias[c] - kOffset * wsum);
    if (i16) {
      sink16.out = out + c * P;
      sink16.m = _mm256_set1_ps(s.mult[c]);
      Rows(Q.data(), Wp, even, odd, init, outH, outW, sink16);
    } else {
      sink.out = out + c * P;
      sink.m = _mm256_set1_ps(s.mult[c]);
      Rows(Q.data(), Wp, even, odd, init, outH, outW, sink);
    }
  }
  return true;
}

}  // namespace kernels
}  // namespace eq
