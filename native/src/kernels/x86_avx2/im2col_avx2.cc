// AVX2 im2col for stride-2 convolutions: the same bytes as Im2ColS8Block (scalar/im2col_s8.cc).
// Other strides take the row-copy variant (scalar/im2col_rows.cc), which is already a plain
// copy per tap row there.
//
// The row-copy variant splits each input row into its column phases with a scalar gather so
// that every tap row is one contiguous copy. With stride 2 that gather is where its time goes
// (MobileNet v1 0.25's first layer, 3x3/2 on 224x224: about a third of the layer). Here the
// block's input rows are copied as they are into a zero-padded strip (plain memcpy), and each
// tap row is taken from it with the even-byte extraction of AVX2: two 32-byte loads, mask the
// odd bytes, one saturating pack (the values fit, so it only narrows) and one lane permute give
// 32 output bytes.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/scalar/copy_small.h"
#include "kernels/scalar/im2col_strip.h"

namespace eq {
namespace kernels {
namespace {

// dst[i] = src[2i] for i < 32 (reads src[0, 64))
inline void Even32(int8_t* dst, const int8_t* src) {
  const __m256i lo_bytes = _mm256_set1_epi16(0x00ff);
  const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)), lo_bytes);
  const __m256i b = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 32)), lo_bytes);
  // packus works per 128-bit lane: [a0 b0 a1 b1] → [a0 a1 b0 b1]
  const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xd8);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), p);
}

// dst[i] = src[2i] for i < 16 (reads src[0, 32))
inline void Even16(int8_t* dst, const int8_t* src) {
  const __m128i lo_bytes = _mm_set1_epi16(0x00ff);
  const __m128i a = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)), lo_bytes);
  const __m128i b = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16)), lo_bytes);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_packus_epi16(a, b));
}

// dst[i] = src[2i] for i < n; the last piece overlaps the one before (same bytes), so nothing
// outside dst[0, n) is written. Reads src[0, 2 * max(n, 32)).
inline void EvenBytes(int8_t* dst, const int8_t* src, size_t n) {
  if (n >= 32) {
    ForEachPiece<32>(n, [&](size_t i) { Even32(dst + i, src + 2 * i); });
  } else if (n >= 16) {
    Even16(dst, src);
    Even16(dst + n - 16, src + 2 * (n - 16));
  } else {
    alignas(16) int8_t t[16];
    Even16(t, src);
    CopySmall(dst, t, n);
  }
}

}  // namespace

void Im2ColS8BlockAvx2(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1, int8_t* dst) {
  if (p1 <= p0) return;
  if (g.sw != 2) return Im2ColS8BlockRows(x, g, group, p0, p1, dst);
  const size_t cpg = g.cin / g.group, hw = static_cast<size_t>(g.inH) * g.inW, ld = p1 - p0;
  const size_t dh = g.dh, dw = g.dw;
  // strip: padded column c holds input column c - padL. Tap (ky, kx) of output ox reads column
  // 2*ox + kx*dw; the widest read, 64 bytes from the last piece's start, stays below
  // 2*outW + (kw-1)*dw + 64.
  const auto [oy0, R] = StripRows(g, p0, p1);
  const size_t Ws = (2 * static_cast<size_t>(g.outW) + (g.kw - 1) * dw + 64 + 31) & ~static_cast<size_t>(31);
  thread_local std::vector<int8_t> strip;
  if (strip.size() < R * Ws) strip.resize(R * Ws);
  int8_t* const s = strip.data();
  thread_local std::vector<Im2ColSeg> segs;
  const auto [seg0, seg1] = BlockSegments(g, p0, p1, oy0, Ws, 2, segs);
  const size_t taps = static_cast<size_t>(g.kh) * g.kw;
  for (size_t ci = 0; ci < cpg; ci++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    for (size_t r = 0; r < R; r++) FillPaddedRow(s + r * Ws, Ws, StripSourceRow(plane, g, oy0, r), g);
    int8_t* out = dst + ci * taps * ld;
    for (size_t ky = 0; ky < g.kh; ky++)
      for (size_t kx = 0; kx < g.kw; kx++, out += ld) {
        const int8_t* base = s + ky * dh * Ws + kx * dw;
        for (const Im2ColSeg* sg = seg0; sg != seg1; sg++) EvenBytes(out + sg->out, base + sg->src, sg->n);
      }
  }
}

}  // namespace kernels
}  // namespace eq
