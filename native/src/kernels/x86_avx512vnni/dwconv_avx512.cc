// AVX-512 VNNI depthwise convolution: any kh, kw <= 8, stride 1 or 2 per axis, dilation 1, any
// padding; exact int32 sums, and a fused int8 output stage (dwconv_s8.h).
//
// VPDPBUSD multiplies 4 unsigned bytes by 4 signed bytes and adds the 4 products to an int32
// lane. Each channel plane is copied into a bordered byte buffer in the +128 domain (u = x + 128,
// so the border holds pad + 128: 128 for zero padding); a 64-byte load at column b then gives
// lane i the 4 pixels b + 4i .. b + 4i + 3, which times the broadcast weights (w[kx0..kx0+3],
// zero beyond kw) is 4 taps of one kernel row of one output:
//   stride 1: loads at +0, +1, +2, +3 give outputs 4i, 4i+1, 4i+2, 4i+3 (64 per step);
//   stride 2: loads at +0, +2, +64, +66 give outputs 2i, 2i+1, 32+2i, 32+2i+1 (64 per step).
// The offset adds 128 * sum(w) to every output (the border is pad + 128, so its taps add pad * w
// as they should), which the accumulator's start value removes; in the fused path it also
// carries the bias. Bytes past the last window (the over-read of a 64-output step, the slack
// after the plane) only meet zero weights (kx >= kw) or feed outputs that are dropped, so the
// whole buffer can hold pad + 128.
// Narrow planes: when a step of 64 would mostly compute past the row end (14x14, 7x7 planes),
// the fused path treats the buffer as one long row (pitch Wp; valid when sh == sw): output
// (oy, ox) is position oy * Wp + ox, the few positions with ox >= outW are computed and dropped.
// Exactness: u <= 255, |w| <= 127, no saturation in VPDPBUSD; the int32 sums wrap only if the
// true result leaves int32, which the fused path excludes up front (bias check).
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/dwconv_s8.h"
#include "kernels/igemm.h"

// GCC 12 flags the _mm512_undefined_*() pass-through operands inside the float intrinsics'
// headers as maybe-uninitialized (a false positive, once per template instance)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace eq {
namespace kernels {
namespace {

constexpr uint32_t kMaxK = 8;  // kw <= 8: at most two 4-tap groups per kernel row

bool Supports(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw) {
  return kh >= 1 && kh <= kMaxK && kw >= 1 && kw <= kMaxK && (sh == 1 || sh == 2) && (sw == 1 || sw == 2) && dh == 1 && dw == 1;
}

struct Geo {
  uint32_t inH, inW, outH, outW, kh, kw, sh, sw, padT, padL;
  size_t Hp, Wp;  // buffer rows and pitch: every tap of every output, nothing more
};

size_t RoundUp64(size_t x) { return (x + 63) / 64 * 64; }

// Buffer bytes: the plane plus the over-read of the last 64-output step (stride 2 reads 128+
// bytes per step, and a step may start up to 63 outputs before the end).
size_t BufferBytes(const Geo& g) { return g.Hp * g.Wp + 2 * g.sw * (RoundUp64(g.outW) + 64) + 256; }

// Copies one channel into the buffer (+128 domain): buffer (y, x) = input (y - padT, x - padL).
// Only the input's own cells are written, so the border (set once per call) stays pad + 128.
void FillPlane(const int8_t* plane, const Geo& g, uint8_t* buf) {
  if (g.padL >= g.Wp || g.padT >= g.Hp) return;
  const size_t n = std::min<size_t>(g.inW, g.Wp - g.padL);
  const size_t y_end = std::min<size_t>(g.Hp, static_cast<size_t>(g.padT) + g.inH);
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  for (size_t y = g.padT; y < y_end; y++) {
    const int8_t* src = plane + (y - g.padT) * g.inW;
    uint8_t* d = buf + y * g.Wp + g.padL;
    for (size_t x = 0; x < n; x += 64) {
      const size_t left = n - x;
      const __mmask64 k = left >= 64 ? ~0ull : ((1ull << left) - 1);
      _mm512_mask_storeu_epi8(d + x, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src + x), bias));
    }
  }
}

inline uint32_t Byte(int8_t b, int t) { return static_cast<uint32_t>(static_cast<uint8_t>(b)) << (8 * t); }

// wq[ky * KG + g] = bytes w[ky][4g .. 4g+3] (0 past kw); returns sum(w).
int32_t PackWeights(const int8_t* wc, uint32_t kh, uint32_t kw, int KG, int32_t* wq) {
  int32_t sum = 0;
  if (kw == 3 && KG == 1) {  // the common case, branch-free (tiny planes pay this per channel)
    for (uint32_t ky = 0; ky < kh; ky++) {
      const int8_t* r = wc + ky * 3;
      sum += r[0] + r[1] + r[2];
      wq[ky] = static_cast<int32_t>(Byte(r[0], 0) | Byte(r[1], 1) | Byte(r[2], 2));
    }
    return sum;
  }
  for (uint32_t ky = 0; ky < kh; ky++)
    for (int gi = 0; gi < KG; gi++) {
      uint32_t v = 0;
      for (uint32_t t = 0; t < 4; t++) {
        const uint32_t kx = 4 * gi + t;
        const int8_t b = kx < kw ? wc[ky * kw + kx] : 0;
        sum += b;
        v |= static_cast<uint32_t>(static_cast<uint8_t>(b)) << (8 * t);
      }
      wq[ky * KG + gi] = static_cast<int32_t>(v);
    }
  return sum;
}

inline __m512i L(const uint8_t* p) { return _mm512_loadu_si512(p); }

// 64 outputs starting at buffer address r0 (see the header for which lane is which output).
template <int S, int KG, int KH>
inline void Step(const uint8_t* r0, size_t Wp, uint32_t kh_rt, const int32_t* wq, __m512i init, __m512i* a) {
  __m512i a0 = init, a1 = init, a2 = init, a3 = init;
  const int kh = KH ? KH : static_cast<int>(kh_rt);
  for (int ky = 0; ky < kh; ky++) {
    const uint8_t* r = r0 + ky * Wp;
    for (int gi = 0; gi < KG; gi++) {
      const __m512i w = _mm512_set1_epi32(wq[ky * KG + gi]);
      const uint8_t* p = r + 4 * gi;
      if (S == 1) {
        a0 = _mm512_dpbusd_epi32(a0, L(p), w);
        a1 = _mm512_dpbusd_epi32(a1, L(p + 1), w);
        a2 = _mm512_dpbusd_epi32(a2, L(p + 2), w);
        a3 = _mm512_dpbusd_epi32(a3, L(p + 3), w);
      } else {
        a0 = _mm512_dpbusd_epi32(a0, L(p), w);
        a1 = _mm512_dpbusd_epi32(a1, L(p + 2), w);
        a2 = _mm512_dpbusd_epi32(a2, L(p + 64), w);
        a3 = _mm512_dpbusd_epi32(a3, L(p + 66), w);
      }
    }
  }
  a[0] = a0;
  a[1] = a1;
  a[2] = a2;
  a[3] = a3;
}

// The AVX-512 output stage's arithmetic (x86_avx512vnni/requant_avx512.cc) on 16 sums that
// already include the bias: the clamp to [lo + z, hi + z] is done in float, before rounding (the
// same integer, as rounding is monotone), then the zero offset z is subtracted, so the values are
// in [lo, hi] and the saturating packs below never saturate.
struct Quant {
  __m512i init;  // bias - 128 * sum(w)
  __m512i z;     // the output's zero offset
  __m512 m, lo, hi;  // lo, hi: the clamp plus z
};

inline __m512i Requant(__m512i a, const Quant& q) {
  return _mm512_sub_epi32(_mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(a), q.m), q.lo), q.hi)), q.z);
}

// Byte order after packing 4 x 16 int32 (a, b, c, d) with PACKSSDW + PACKSSWB: 128-bit lane k
// holds a[4k..4k+3], b[4k..], c[4k..], d[4k..]. These put the outputs back in order.
//   stride 1: a..d are phases 0..3, so lane k holds outputs 16k..16k+15 as a 4x4 transpose;
//   stride 2: lane k holds outputs 8k..8k+7 (a/b even/odd) and 32+8k.. (c/d): shuffle to two
//             ordered 8-byte halves, then gather the halves across lanes.
template <int S>
inline __m512i Order(__m512i v) {
  if (S == 1) {
    const __m512i t = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    return _mm512_shuffle_epi8(v, t);
  }
  const __m512i t = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15));
  return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), _mm512_shuffle_epi8(v, t));
}

// n int8 outputs of one row (or of the flattened plane) from buffer address r0.
template <int S, int KG, int KH>
void RowS8(const uint8_t* r0, const Geo& g, const int32_t* wq, const Quant& q, size_t n, int8_t* out) {
  for (size_t o = 0; o < n; o += 64) {
    __m512i a[4];
    Step<S, KG, KH>(r0 + S * o, g.Wp, g.kh, wq, q.init, a);
    const __m512i ab = _mm512_packs_epi32(Requant(a[0], q), Requant(a[1], q));
    const __m512i cd = _mm512_packs_epi32(Requant(a[2], q), Requant(a[3], q));
    const __m512i v = Order<S>(_mm512_packs_epi16(ab, cd));
    const size_t left = n - o;
    _mm512_mask_storeu_epi8(out + o, left >= 64 ? ~0ull : ((1ull << left) - 1), v);
  }
}

inline void Store16(int32_t* dst, __m512i v, size_t left) {
  if (left >= 16) _mm512_storeu_si512(dst, v);
  else if (left > 0) _mm512_mask_storeu_epi32(dst, static_cast<__mmask16>((1u << left) - 1), v);
}

// n int32 sums of one row from buffer address r0 (init = -128 * sum(w)).
template <int S, int KG, int KH>
void RowS32(const uint8_t* r0, const Geo& g, const int32_t* wq, __m512i init, size_t n, int32_t* out) {
  const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ihi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const __m512i jlo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11), jhi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  for (size_t o = 0; o < n; o += 64) {
    __m512i a[4], v[4];
    Step<S, KG, KH>(r0 + S * o, g.Wp, g.kh, wq, init, a);
    const __m512i A = _mm512_permutex2var_epi32(a[0], ilo, a[1]), B = _mm512_permutex2var_epi32(a[0], ihi, a[1]);
    const __m512i C = _mm512_permutex2var_epi32(a[2], ilo, a[3]), D = _mm512_permutex2var_epi32(a[2], ihi, a[3]);
    if (S == 1) {  // A, C: pairs (4i, 4i+1), (4i+2, 4i+3) for i < 8; B, D: i >= 8
      v[0] = _mm512_permutex2var_epi64(A, jlo, C);
      v[1] = _mm512_permutex2var_epi64(A, jhi, C);
      v[2] = _mm512_permutex2var_epi64(B, jlo, D);
      v[3] = _mm512_permutex2var_epi64(B, jhi, D);
    } else {  // A, B: outputs 0..31 in order; C, D: 32..63
      v[0] = A;
      v[1] = B;
      v[2] = C;
      v[3] = D;
    }
    const size_t left = n - o;
    for (size_t k = 0; k < 4; k++) Store16(out + o + 16 * k, v[k], left > 16 * k ? left - 16 * k : 0);
  }
}

// n bytes; masked moves rather than a memcpy call (rows of 7..28 outputs, one per output row)
inline void CopyRow(const int8_t* src, size_t n, int8_t* dst) {
  for (size_t x = 0; x < n; x += 64) {
    const size_t left = n - x;
    const __mmask64 k = left >= 64 ? ~0ull : ((1ull << left) - 1);
    _mm512_mask_storeu_epi8(dst + x, k, _mm512_maskz_loadu_epi8(k, src + x));
  }
}

// Per-call scratch of the calling thread (grown, never shrunk).
uint8_t* Buffer(const Geo& g, int8_t pad) {
  thread_local std::vector<uint8_t> buf;
  const size_t bytes = BufferBytes(g);
  if (buf.size() < bytes) buf.resize(bytes);
  std::memset(buf.data(), static_cast<uint8_t>(pad) ^ 0x80, bytes);  // border and slack: x = pad
  return buf.data();
}

Geo MakeGeo(uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t padT, uint32_t padL) {
  return {inH, inW, outH, outW, kh, kw, sh, sw, padT, padL, static_cast<size_t>(outH - 1) * sh + kh, static_cast<size_t>(outW - 1) * sw + kw};
}

template <int S, int KG, int KH>
void ChannelsS8(const Geo& g, const int8_t* x, const int8_t* w, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out) {
  uint8_t* buf = Buffer(g, pad);
  const size_t hw = static_cast<size_t>(g.inH) * g.inW, P = static_cast<size_t>(g.outH) * g.outW;
  // flattened plane when it needs fewer 64-output steps than row by row
  const size_t n_flat = (g.outH - 1) * g.Wp + g.outW;
  const bool flat = g.sh == g.sw && (n_flat + 63) / 64 < g.outH * ((g.outW + 63) / 64);
  thread_local std::vector<int8_t> tmp;
  if (flat && tmp.size() < RoundUp64(n_flat)) tmp.resize(RoundUp64(n_flat));
  int32_t wq[kMaxK * 2];
  Quant q;
  q.lo = _mm512_set1_ps(static_cast<float>(s.lo + s.zero));
  q.hi = _mm512_set1_ps(static_cast<float>(s.hi + s.zero));
  q.z = _mm512_set1_epi32(s.zero);
  for (size_t c = c0; c < c1; c++) {
    FillPlane(x + c * hw, g, buf);
    const int32_t sum = PackWeights(w + c * g.kh * g.kw, g.kh, g.kw, KG, wq);
    q.init = _mm512_set1_epi32(s.bias[c] - 128 * sum);
    q.m = _mm512_set1_ps(s.mult[c]);
    int8_t* o = out + c * P;
    if (flat) {
      RowS8<S, KG, KH>(buf, g, wq, q, n_flat, tmp.data());
      for (size_t oy = 0; oy < g.outH; oy++) CopyRow(tmp.data() + oy * g.Wp, g.outW, o + oy * g.outW);
    } else {
      for (size_t oy = 0; oy < g.outH; oy++) RowS8<S, KG, KH>(buf + oy * g.sh * g.Wp, g, wq, q, g.outW, o + oy * g.outW);
    }
  }
}

template <int S, int KG, int KH>
void ChannelsS32(const Geo& g, const int8_t* x, const int8_t* w, int8_t pad, size_t c0, size_t c1, int32_t* acc) {
  uint8_t* buf = Buffer(g, pad);
  const size_t hw = static_cast<size_t>(g.inH) * g.inW, P = static_cast<size_t>(g.outH) * g.outW;
  int32_t wq[kMaxK * 2];
  for (size_t c = c0; c < c1; c++) {
    FillPlane(x + c * hw, g, buf);
    const __m512i init = _mm512_set1_epi32(-128 * PackWeights(w + c * g.kh * g.kw, g.kh, g.kw, KG, wq));
    int32_t* o = acc + (c - c0) * P;
    for (size_t oy = 0; oy < g.outH; oy++) RowS32<S, KG, KH>(buf + oy * g.sh * g.Wp, g, wq, init, g.outW, o + oy * g.outW);
  }
}

// 3x3 and 5x5 fully unrolled; other sizes loop over the kernel rows.
template <int S>
auto PickS8(uint32_t kh, uint32_t kw) -> decltype(&ChannelsS8<S, 1, 3>) {
  if (kh == 3 && kw == 3) return ChannelsS8<S, 1, 3>;
  if (kh == 5 && kw == 5) return ChannelsS8<S, 2, 5>;
  return kw <= 4 ? ChannelsS8<S, 1, 0> : ChannelsS8<S, 2, 0>;
}
template <int S>
auto PickS32(uint32_t kh, uint32_t kw) -> decltype(&ChannelsS32<S, 1, 3>) {
  if (kh == 3 && kw == 3) return ChannelsS32<S, 1, 3>;
  if (kh == 5 && kw == 5) return ChannelsS32<S, 2, 5>;
  return kw <= 4 ? ChannelsS32<S, 1, 0> : ChannelsS32<S, 2, 0>;
}

void Run(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
         uint32_t sw, uint32_t /*dh*/, uint32_t /*dw*/, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, int32_t* acc) {
  if (outH == 0 || outW == 0 || c1 <= c0) return;
  const Geo g = MakeGeo(inH, inW, outH, outW, kh, kw, sh, sw, padT, padL);
  (sw == 1 ? PickS32<1>(kh, kw) : PickS32<2>(kh, kw))(g, x, w, pad, c0, c1, acc);
}

const DwConvKernel kDw{"dw-avx512-vnni", Isa::kAvx512Vnni, Supports, Run};

}  // namespace

bool DwConvS8Avx512(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh,
                    uint32_t sw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, const OutputStage& s, int8_t* out) {
  if (!Supports(kh, kw, sh, sw, 1, 1)) return false;
  if (outH == 0 || outW == 0 || c1 <= c0) return true;
  // |start value + sums| <= |bias| + kh*kw*255*128: if that fits, no int32 step can wrap
  if (!BiasFitsInt32(s.bias, c0, c1, static_cast<int64_t>(kh) * kw * 255 * 128)) return false;
  const Geo g = MakeGeo(inH, inW, outH, outW, kh, kw, sh, sw, padT, padL);
  (sw == 1 ? PickS8<1>(kh, kw) : PickS8<2>(kh, kw))(g, x, w, pad, c0, c1, s, out);
  return true;
}

const DwConvKernel* DwConvAvx512() { return &kDw; }

}  // namespace kernels
}  // namespace eq
