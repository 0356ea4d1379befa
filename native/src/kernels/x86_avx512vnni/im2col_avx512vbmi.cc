// AVX-512 VBMI im2col: the same bytes as Im2ColS8Block (scalar/im2col_s8.cc), built with one
// byte permute (VPERMI2B) per tap and output-row piece instead of row copies.
//
// For an output row piece ox in [xa, xa + n) (n <= 64) and kernel row ky, every tap kx reads
// input columns ox*sw - padL + kx*dw of one input row: all of them lie in a 128-byte window
// starting at xa*sw - padL. The window is loaded once (two masked loads: bytes outside the input
// row read as 0, which is the padding), and each kx is one permute of it by a fixed index vector
// (i*sw + kx*dw) and one masked store. Rows above or below the input store zeros.
//
// Why: the row-copy variant (scalar/im2col_rows.cc) spends its time on bookkeeping and on
// stride-2 gathers done byte by byte: ResNet-18's four stride-2 3x3/7x7 layers took 175-200 us
// each for their im2col on one thread (one 14x14 plane row is 7 output bytes per tap), about 8 %
// of the network, and on 2 threads a few-column layer builds its whole im2col on each core.
//
// VBMI is not part of the avx512vnni level (Cascade Lake has VNNI without it), so this variant
// is compiled with its own target attribute and selected only when the CPU reports VBMI.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

// lanes [a, b) of 64 (a <= b <= 64)
inline __mmask64 Lanes(int64_t a, int64_t b) {
  a = std::clamp<int64_t>(a, 0, 64);
  b = std::clamp<int64_t>(b, 0, 64);
  if (b <= a) return 0;
  const uint64_t n = static_cast<uint64_t>(b - a);
  return (n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1)) << a;
}

}  // namespace

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void Im2ColS8BlockVbmi(const int8_t* x, const LinearGeom& g, uint32_t group, size_t p0, size_t p1,
                                                                               int8_t* dst) {
  if (p1 <= p0) return;
  const int64_t sw = g.sw, dw = g.dw, reach = static_cast<int64_t>(g.kw - 1) * dw;
  // output columns per piece: its window, (n-1)*sw + reach + 1 bytes, must fit in 128
  if (reach >= 128 || g.kw > 64) return Im2ColS8BlockRows(x, g, group, p0, p1, dst);
  const int64_t piece = std::min<int64_t>(64, (127 - reach) / sw + 1);
  const size_t cpg = g.cin / g.group, hw = static_cast<size_t>(g.inH) * g.inW, ld = p1 - p0;
  const size_t taps = static_cast<size_t>(g.kh) * g.kw;
  const int64_t inW = g.inW, inH = g.inH;
  // index vector of tap kx: lane i reads window byte i*sw + kx*dw (low 7 bits used by VPERMI2B)
  alignas(64) int8_t idx_bytes[64][64];
  for (uint32_t kx = 0; kx < g.kw; kx++)
    for (int64_t i = 0; i < 64; i++) idx_bytes[kx][i] = static_cast<int8_t>((i * sw + kx * dw) & 127);
  const size_t oy0 = p0 / g.outW, oy1 = (p1 - 1) / g.outW;
  for (size_t ci = 0; ci < cpg; ci++) {
    const int8_t* plane = x + (group * cpg + ci) * hw;
    int8_t* dci = dst + ci * taps * ld;
    for (size_t oy = oy0; oy <= oy1; oy++) {
      const size_t xa0 = oy == oy0 ? p0 - oy0 * g.outW : 0, xb = oy == oy1 ? p1 - oy1 * g.outW : g.outW;
      const size_t pbase = oy * g.outW - p0;  // dst column of ox = pbase + ox
      for (uint32_t ky = 0; ky < g.kh; ky++) {
        const int64_t iy = static_cast<int64_t>(oy) * g.sh - g.padT + static_cast<int64_t>(ky) * g.dh;
        int8_t* drow = dci + static_cast<size_t>(ky) * g.kw * ld + pbase;
        for (size_t xa = xa0; xa < xb; xa += static_cast<size_t>(piece)) {
          const int64_t n = std::min<int64_t>(piece, static_cast<int64_t>(xb - xa));
          const __mmask64 store = Lanes(0, n);
          if (iy < 0 || iy >= inH) {
            for (uint32_t kx = 0; kx < g.kw; kx++) _mm512_mask_storeu_epi8(drow + kx * ld + xa, store, _mm512_setzero_si512());
            continue;
          }
          // window bytes [w0, w0 + 128) of the input row; those outside [0, inW) read as 0.
          // The masked loads touch only bytes inside the row; the address is formed from an
          // integer so no out-of-range pointer is made.
          const int64_t w0 = static_cast<int64_t>(xa) * sw - g.padL;
          const uintptr_t row = reinterpret_cast<uintptr_t>(plane + static_cast<size_t>(iy) * g.inW);
          const __m512i lo = _mm512_maskz_loadu_epi8(Lanes(-w0, inW - w0), reinterpret_cast<const void*>(row + static_cast<uintptr_t>(w0)));
          const __m512i hi = _mm512_maskz_loadu_epi8(Lanes(-w0 - 64, inW - w0 - 64), reinterpret_cast<const void*>(row + static_cast<uintptr_t>(w0 + 64)));
          for (uint32_t kx = 0; kx < g.kw; kx++) {
            const __m512i idx = _mm512_load_si512(idx_bytes[kx]);
            _mm512_mask_storeu_epi8(drow + kx * ld + xa, store, _mm512_permutex2var_epi8(lo, idx, hi));
          }
        }
      }
    }
  }
}

}  // namespace kernels
}  // namespace eq
