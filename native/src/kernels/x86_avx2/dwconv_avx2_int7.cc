// AVX2 INT7 depthwise 3x3, stride 1 or 2, with the int8 output stage fused (DwConvS8Avx2Int7,
// dwconv_s8.h): VPMADDUBSW, 16 outputs per instruction where the general AVX2 kernel
// (dwconv_avx2.cc) gets 8 per VPMADDWD after sign-extending every load. Other geometries go to
// that kernel. Stride 1 (below) pairs input rows; stride 2 (StepS2) pairs adjacent columns.
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

#include <algorithm>
#include <cstring>
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

// init + the three int16 tap groups of 16 outputs, widened: outputs (0-3, 8-11) in s0 and
// (4-7, 12-15) in s1 (the order VPUNPCK* leaves them in; S8Sink<true, ...> takes it)
inline void Widen(__m256i g1, __m256i g2, __m256i g3, __m256i init, __m256i& s0, __m256i& s1) {
  const __m256i ones = _mm256_set1_epi16(1), zero = _mm256_setzero_si256();
  s0 = _mm256_add_epi32(init, _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(g1, g2), ones), _mm256_madd_epi16(_mm256_unpacklo_epi16(g3, zero), ones)));
  s1 = _mm256_add_epi32(init, _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(g1, g2), ones), _mm256_madd_epi16(_mm256_unpackhi_epi16(g3, zero), ones)));
}

// 16 outputs of one row (columns x0..x0+15): qx/qy point at column x0 of the X and Y pairs.
inline void Step(const uint8_t* qx, const uint8_t* qy, const RowWeights& w, __m256i init, __m256i& s0, __m256i& s1) {
  // g1: 4 taps, g2: 2 + 1 + 1 taps, g3: 1 tap (each int16 lane within 4 * 127 * 63)
  const __m256i g1 = _mm256_add_epi16(Maddubs(qx, w.x[0]), Maddubs(qx + 2, w.x[1]));
  const __m256i g2 = _mm256_add_epi16(Maddubs(qx + 4, w.x[2]), _mm256_add_epi16(Maddubs(qy, w.y[0]), Maddubs(qy + 2, w.y[1])));
  Widen(g1, g2, Maddubs(qy + 4, w.y[2]), init, s0, s1);
}

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

// How the planes below read an input row: 16-byte pieces with +64, or for a row shorter than 16
// (a 14- or 7-wide plane) one piece whose lanes past the row hold the border byte, so it can be
// stored whole over the border it covers (the same bytes). The row is read with one 16-byte load
// while that stays inside the call's channels (`end`); only the very last rows take a stack copy.
// (A stack copy per row, written by small moves and read back at once, stalled on store
// forwarding: 576 x 14 x 14 ran at half the speed.)
struct RowReader {
  const int8_t* end;     // end of the call's input channels
  __m128i off, border;   // +64; pad + 64
  __m128i short_lanes;   // lanes < n (the row width) when n < 16
  inline __m128i Piece(const int8_t* r) const { return _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r)), off); }
  inline __m128i Short(const int8_t* r, size_t n) const {
    __m128i v;
    if (r + 16 <= end) {
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r));
    } else {
      alignas(16) int8_t t[16];
      CopySmall(t, r, n);
      v = _mm_load_si128(reinterpret_cast<const __m128i*>(t));
    }
    return _mm_blendv_epi8(border, _mm_add_epi8(v, off), short_lanes);
  }
};
inline RowReader MakeRowReader(const int8_t* end, int8_t pad, size_t n) {
  const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return {end, _mm_set1_epi8(kOffset), _mm_set1_epi8(static_cast<char>(pad + kOffset)), _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(std::min<size_t>(n, 16))), iota)};
}

// Row pairs of the bordered plane, +64 on every byte, written straight from the input: pair j
// holds buffer rows 2j and 2j+1 byte-interleaved (Q[j * 2Wp + 2x + r]). Only the input's own
// columns are written (and, for rows under 16 bytes, border columns with their own byte); Q comes
// filled with pad + 64 (the border, the same byte in both rows), and a buffer row outside the
// input reads as that constant. Rows of 16 bytes or more go as 16-column pieces, the last one
// overlapping. Needs padL + 16 <= Wp.
void InterleavePlanePairs(const int8_t* plane, uint32_t inH, uint32_t inW, uint32_t padT, uint32_t padL, size_t rows, size_t Wp, const RowReader& rd, uint8_t* Q) {
  const size_t n = std::min<size_t>(inW, Wp - padL);
  const size_t y0 = padT, y1 = std::min<size_t>(rows, static_cast<size_t>(padT) + inH);  // buffer rows holding input rows
  const auto store = [](uint8_t* d, __m128i a, __m128i b) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm_unpacklo_epi8(a, b));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 16), _mm_unpackhi_epi8(a, b));
  };
  for (size_t j = y0 & ~static_cast<size_t>(1); j < y1; j += 2) {
    const int8_t* r0 = j >= y0 ? plane + (j - padT) * inW : nullptr;
    const int8_t* r1 = j + 1 < y1 ? plane + (j + 1 - padT) * inW : nullptr;
    uint8_t* q = Q + j * Wp + 2 * static_cast<size_t>(padL);  // pair j/2 starts at (j/2) * 2Wp
    if (n >= 16) {
      const auto piece = [&](size_t i) { store(q + 2 * i, r0 ? rd.Piece(r0 + i) : rd.border, r1 ? rd.Piece(r1 + i) : rd.border); };
      ForEachPiece<16>(n, piece);
    } else {
      store(q, r0 ? rd.Short(r0, n) : rd.border, r1 ? rd.Short(r1, n) : rd.border);
    }
  }
}

// Stride 2 along x needs no row pairs: the taps (0, 1) of output ox are the adjacent bytes at
// columns 2*ox, 2*ox + 1, so a 32-byte load at column 2*x0 of an offset input row, VPMADDUBSW'd
// with (w_k0, w_k1), is two taps of 16 outputs in order, and a load at 2*x0 + 2 with (w_k2, 0)
// the third. The same int16 groups as Step (4 + 4 + 1 taps) and the same widening.
struct RowWeightsS2 {
  __m256i w01[3], w2[3];  // per kernel row ky: (w_ky0, w_ky1), (w_ky2, 0)
};

// 16 outputs of one row (columns x0..x0+15): r0 points at column 2*x0 of the first of its three
// input rows (pitch Wp). Same output order as Step.
inline void StepS2(const uint8_t* r0, size_t Wp, const RowWeightsS2& w, __m256i init, __m256i& s0, __m256i& s1) {
  const uint8_t *r1 = r0 + Wp, *r2 = r1 + Wp;
  const __m256i g1 = _mm256_add_epi16(Maddubs(r0, w.w01[0]), Maddubs(r1, w.w01[1]));
  const __m256i g2 = _mm256_add_epi16(Maddubs(r2, w.w01[2]), _mm256_add_epi16(Maddubs(r0 + 2, w.w2[0]), Maddubs(r1 + 2, w.w2[1])));
  Widen(g1, g2, Maddubs(r2 + 2, w.w2[2]), init, s0, s1);
}

// Every output row of one channel, stride 2 along x and sh along y, from the offset plane U.
template <class Sink>
void RowsS2(const uint8_t* U, size_t Wp, uint32_t sh, const RowWeightsS2& w, __m256i init, uint32_t outH, uint32_t outW, const Sink& sink) {
  for (uint32_t oy = 0; oy < outH; oy++) {
    const uint8_t* r0 = U + static_cast<size_t>(oy) * sh * Wp;
    for (size_t x0 = 0; x0 < outW; x0 += 16) {
      __m256i s0, s1;
      StepS2(r0 + 2 * x0, Wp, w, init, s0, s1);
      sink(oy, x0, std::min<size_t>(16, outW - x0), s0, s1);
    }
  }
}

// The bordered plane with +64 on every byte, written straight from the input: like CopyPlane,
// only the input's own cells are written (and, for rows under 16 bytes, border cells with their
// own byte; RowReader); the border keeps pad + 64, filled once per call. Needs padL + 16 <= Wp.
void CopyPlaneOffset(const int8_t* plane, uint32_t inH, uint32_t inW, uint32_t padT, uint32_t padL, size_t Hp, size_t Wp, const RowReader& rd, uint8_t* U) {
  const size_t n = std::min<size_t>(inW, Wp - padL);
  const size_t y_end = std::min<size_t>(Hp, static_cast<size_t>(padT) + inH);
  for (size_t y = padT; y < y_end; y++) {
    uint8_t* d = U + y * Wp + padL;
    const int8_t* src = plane + (y - padT) * inW;
    const auto store = [](uint8_t* o, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v); };
    if (n >= 16) {
      ForEachPiece<16>(n, [&](size_t i) { store(d + i, rd.Piece(src + i)); });
    } else {
      store(d, rd.Short(src, n));
    }
  }
}

}  // namespace

bool DwInt7Geometry(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw) {
  return kh == 3 && kw == 3 && dh == 1 && dw == 1 && ((sh == 1 && sw == 1) || (sw == 2 && (sh == 1 || sh == 2)));
}

bool DwConvS8Avx2Int7(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw,
                      uint32_t sh, uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out) {
  // other geometries, and a pad value outside the INT7 range (u must stay in [0, 127])
  if (!DwInt7Geometry(kh, kw, sh, sw, 1, 1) || pad < -kOffset || pad >= kOffset)
    return DwConvS8Avx2(x, w, inH, inW, outH, outW, kh, kw, sh, sw, padT, padL, pad, c0, c1, s, out);
  if (outH == 0 || outW == 0 || c1 <= c0) return true;
  const bool s1 = sw == 1;  // else stride 2 along x
  // Stride 1: rows 0..outH+2 are read, rounded up to whole pairs; a 16-output step at x0 loads
  // columns x0..x0+17 (32 bytes at 2 * (x0 + k)), so RoundUp16(outW) + 16 covers every step.
  // Stride 2: rows 0..(outH-1)*sh+2; a step at x0 loads columns 2*x0 .. 2*x0+33.
  const size_t rows = s1 ? (static_cast<size_t>(outH) + 3 + 1) & ~static_cast<size_t>(1) : static_cast<size_t>(outH - 1) * sh + 3;
  const size_t Wp = s1 ? RoundUp16(outW) + 16 : 2 * RoundUp16(outW) + 32;
  // the short-row stores (RowReader) write 16 columns from padL; wider pads: the general kernel
  if (static_cast<size_t>(padL) + 16 > Wp) return DwConvS8Avx2(x, w, inH, inW, outH, outW, kh, kw, sh, sw, padT, padL, pad, c0, c1, s, out);
  // sums stay within |bias| + 9 * 128 * 127 (the general kernel's reach) plus the offset term
  if (!BiasFitsInt32(s.bias, c0, c1, 9 * 128 * 127 + 9 * kOffset * 127)) return false;
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  // Q: the plane with +64 (stride 1: as row pairs), its border pad + 64 for every channel
  std::vector<uint8_t> Q(rows * Wp, static_cast<uint8_t>(pad + kOffset));
  const bool i16 = RequantInt16Exact(s.bias, s.mult, c0, c1, 9.0 * 64 * 63);  // |sum(x * w)| <= 9 * 64 * 63
  const RowReader rd = MakeRowReader(x + c1 * hw, pad, std::min<size_t>(inW, Wp - padL));
  WithS8Sink<true>(out + c1 * P, outW, MakeRequantBounds(s.lo, s.hi, s.zero, i16), [&](auto& sink) {
    for (size_t c = c0; c < c1; c++) {
      const int8_t* k = w + c * 9;
      int32_t wsum = 0;
      for (int i = 0; i < 9; i++) wsum += k[i];
      const __m256i init = _mm256_set1_epi32(s.bias[c] - kOffset * wsum);
      sink.out = out + c * P;
      sink.m = _mm256_set1_ps(s.mult[c]);
      if (!s1) {
        CopyPlaneOffset(x + c * hw, inH, inW, padT, padL, rows, Wp, rd, Q.data());
        RowWeightsS2 rw;
        for (int ky = 0; ky < 3; ky++) rw.w01[ky] = WeightPair(k[3 * ky], k[3 * ky + 1]), rw.w2[ky] = WeightPair(k[3 * ky + 2], 0);
        RowsS2(Q.data(), Wp, sh, rw, init, outH, outW, sink);
        continue;
      }
      InterleavePlanePairs(x + c * hw, inH, inW, padT, padL, rows, Wp, rd, Q.data());
      RowWeights even, odd;
      for (int t = 0; t < 3; t++) {
        even.x[t] = WeightPair(k[t], k[3 + t]), even.y[t] = WeightPair(k[6 + t], 0);  // X = pair j, Y = pair j+1
        odd.x[t] = WeightPair(k[3 + t], k[6 + t]), odd.y[t] = WeightPair(0, k[t]);    // X = pair j+1, Y = pair j
      }
      Rows(Q.data(), Wp, even, odd, init, outH, outW, sink);
    }
  });
  return true;
}

}  // namespace kernels
}  // namespace eq
