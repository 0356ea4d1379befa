// AMX direct convolution (see kernels/amx_conv.h for the layouts). Register block: 2 output-
// channel tiles x 2 position tiles (tmm0-3), A tiles tmm4-5, B tiles tmm6-7, like the GEMM in
// igemm_amx.cc; the k loop runs over taps x 64-channel steps. TDPBSSD sums are exact int32
// (modulo 2^32, and |sum| <= K * 127^2 < 2^31 for the loader's K <= 131071).
//
// Few input channels waste most of a 64-channel step (a 3-channel stem uses 3 of 64). When
// kw * cin <= 64 the kx taps are folded into the channel axis: "virtual channels"
// v = kx * cin + ci hold the input already shifted by kx (and strided), so one step covers a
// whole kernel row (kh steps instead of kh * kw) with the same strip bytes as the unfolded
// layer, whose channels are padded to 64 anyway. Folding further (ky too: an im2col in the
// tile layout) multiplies the strip bytes by kh and measured slower: packing, not the tile
// products, is what costs here (SqueezeNet's 32-channel 3x3 layers 0.054 → 0.135 ms).
//   fold 0: taps kh*kw, channels cin; the strip holds padded input rows in column phases.
//   fold 1: taps kh, channels kw*cin; strip rows are padded input rows, columns are output
//           positions (the kx shift and the stride applied while packing).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "common/cache_evict.h"
#include "kernels/amx_conv.h"
#include "kernels/im2col_taps.h"
#include "kernels/x86_amx/amx_tiles.h"

namespace eq {
namespace kernels {
namespace {

using amx::kKS;
using amx::kT;
using amx::kTile;

// dst[4*i + l] = r_l[i] for i < 16: four 16-byte rows interleaved bytewise (the B tile layout)
inline void Interleave16(const int8_t* r0, const int8_t* r1, const int8_t* r2, const int8_t* r3, uint8_t* dst) {
  const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0)), v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1));
  const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r2)), v3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r3));
  const __m128i a = _mm_unpacklo_epi8(v0, v1), b = _mm_unpackhi_epi8(v0, v1);
  const __m128i e = _mm_unpacklo_epi8(v2, v3), f = _mm_unpackhi_epi8(v2, v3);
  __m128i* o = reinterpret_cast<__m128i*>(dst);
  _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(a, e));
  _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(a, e));
  _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(b, f));
  _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(b, f));
}

class AmxConvImpl final : public AmxConv {
 public:
  explicit AmxConvImpl(const LinearGeom& g) : g_(g) {
    const size_t kh = g.kh, kw = g.kw, cin = g.cin;
    const bool can_fold = (g.outW + kT - 1) / kT * kT <= kMaxFoldedWidth;
    fold_ = can_fold && kw > 1 && kw * cin <= kKS ? 1 : 0;
    vx_ = fold_ == 1 ? kw : 1;
    vch_ = cin * vx_;
    steps_ = Steps(vch_);
    cin_p_ = steps_ * kKS;
    taps_ = kh * (kw / vx_);
    tpr_ = (g.outW + kT - 1) / kT;
    sw_ = g.sw;
    Wq_ = fold_ == 0 ? tpr_ * kT + (kw - 1) / sw_ : tpr_ * kT;
    Wp_ = fold_ == 0 ? sw_ * Wq_ : Wq_;
    mt_ = (g.cout + kT - 1) / kT;
  }

  bool PackWeights(const int8_t* w) {
    if (!A_.Reset(mt_ * taps_ * steps_ * kTile)) return false;
    int8_t* a = reinterpret_cast<int8_t*>(A_.data());
    const size_t kw = g_.kw, tx_n = kw / vx_;
    for (size_t i = 0; i < mt_; i++)
      for (size_t t = 0; t < taps_; t++)
        for (size_t s = 0; s < steps_; s++)
          for (size_t r = 0; r < kT; r++)
            for (size_t c = 0; c < kKS; c++) {
              const size_t co = i * kT + r, v = s * kKS + c;
              if (co >= g_.cout || v >= vch_) {
                *a++ = 0;
                continue;
              }
              const size_t ci = v % g_.cin, vt = v / g_.cin;  // virtual channel → (kx', ci)
              const size_t ky = t / tx_n, kx = t % tx_n * vx_ + vt;
              *a++ = w[((co * g_.cin + ci) * g_.kh + ky) * kw + kx];
            }
    return true;
  }

  size_t scratch_bytes(size_t rows) const override { return cin_p_ * StripRows(rows) * Wp_; }
  size_t row_stride() const override { return tpr_ * kT; }
  void EvictWeights() const override { EvictFromCaches(A_.data(), A_.size()); }

  void RunRows(const int8_t* x, size_t y0, size_t y1, size_t c0, size_t c1, int32_t* acc, size_t ld, uint8_t* scratch) const override {
    const size_t nt = (y1 - y0) * tpr_;
    if (nt == 0) return;
    // this block's strip: padded rows y0*sh .. (y1-1)*sh + kh-1 of every (virtual) channel quad
    const size_t hs = StripRows(y1 - y0), quads = cin_p_ / 4;
    for (size_t q = 0; q < quads; q++)
      for (size_t r = 0; r < hs; r++) {
        uint8_t* dst = scratch + (q * hs + r) * Wp_ * 4;
        if (q * 4 >= vch_) std::memset(dst, 0, Wp_ * 4);  // a quad of channel padding only
        else if (fold_ == 0) PackRow(x, q, y0 * g_.sh + r, dst);
        else PackFoldedRow(x, q, y0 * g_.sh + r, dst);
      }
    const Strip xp{scratch, hs};
    amx::ConfigureTiles();
    const size_t i0 = c0 / kT, i1 = (c1 + kT - 1) / kT;
    const Rows out{acc, ld, i0, c1 - c0};
    for (size_t i = i0; i < i1; i += 2) {
      const bool two_m = i + 1 < i1;
      for (size_t j = 0; j < nt; j += 2) {
        const bool two_n = j + 1 < nt;
        if (two_m && two_n) Block<2, 2>(xp, i, j, out);
        else if (two_m) Block<2, 1>(xp, i, j, out);
        else if (two_n) Block<1, 2>(xp, i, j, out);
        else Block<1, 1>(xp, i, j, out);
      }
    }
    _tile_release();
  }

 private:
  // accumulator rows: output channel i0*16 + m at acc[m * ld], m < channels
  struct Rows {
    int32_t* acc;
    size_t ld;
    size_t i0;
    size_t channels;
  };
  struct Strip {
    const uint8_t* p;
    size_t rows;  // padded rows per channel quad (the strip starts at output row y0)
  };
  static size_t Steps(size_t channels) { return (channels + kKS - 1) / kKS; }
  // widest folded strip row (output positions) PackFoldedRow stages on the stack; wider layers
  // do not fold
  static constexpr size_t kMaxFoldedWidth = 2048;
  size_t StripRows(size_t out_rows) const { return (out_rows - 1) * g_.sh + g_.kh; }

  // Folded padded row r for virtual-channel quad q: lane l = virtual channel v = q*4 + l =
  // (kx, ci) holds, at output column ox, the padded input x[ci][r][ox*sw + kx].
  void PackFoldedRow(const int8_t* x, size_t q, size_t r, uint8_t* dst) const {
    // each lane first into its own zero-padded row (one copy or strided gather), then the four
    // rows interleaved 16 columns at a time (Wp_ = tpr * 16)
    alignas(16) int8_t lane[4][kMaxFoldedWidth];
    const size_t hw = static_cast<size_t>(g_.inH) * g_.inW, sw = sw_;
    for (size_t l = 0; l < 4; l++) {
      int8_t* d = lane[l];
      std::memset(d, 0, Wp_);
      const size_t v = q * 4 + l;
      if (v >= vch_) continue;  // quad padding
      const size_t ci = v % g_.cin, kx = v / g_.cin;
      const int64_t iy = static_cast<int64_t>(r) - g_.padT;
      if (iy < 0 || iy >= static_cast<int64_t>(g_.inH)) continue;
      const int8_t* src = x + ci * hw + static_cast<size_t>(iy) * g_.inW;
      // ix = ox*sw + kx - padL in [0, inW)  ⇔  ox in [vx0, vx1) (columns from outW on are
      // dropped from the output, so they may stay zero)
      const Im2ColTap tap = Im2ColTapBounds(g_, 0, kx);
      const int64_t off = tap.off_x, s64 = static_cast<int64_t>(sw), ox0 = tap.vx0, ox1 = tap.vx1;
      if (ox0 >= ox1) continue;
      if (sw == 1) {
        std::memcpy(d + ox0, src + ox0 + off, static_cast<size_t>(ox1 - ox0));
      } else if (sw == 2) {
        for (int64_t ox = ox0; ox < ox1; ox++) d[ox] = src[2 * ox + off];
      } else {
        for (int64_t ox = ox0; ox < ox1; ox++) d[ox] = src[ox * s64 + off];
      }
    }
    for (size_t c = 0; c < Wp_; c += 16) Interleave16(lane[0] + c, lane[1] + c, lane[2] + c, lane[3] + c, dst + c * 4);
  }

  // padded row r of quad q into dst: 4 channels interleaved per column, zero outside the input;
  // with stride sw the row is split into sw column phases (padded column c → phase c % sw,
  // index c / sw), so the taps of 16 consecutive outputs are again 64 contiguous bytes
  void PackRow(const int8_t* x, size_t q, size_t r, uint8_t* dst) const {
    std::memset(dst, 0, Wp_ * 4);
    const int64_t iy = static_cast<int64_t>(r) - g_.padT;  // rows past the input (bottom padding) stay zero
    if (iy < 0 || iy >= static_cast<int64_t>(g_.inH)) return;
    const int64_t ix0 = std::max<int64_t>(0, -static_cast<int64_t>(g_.padL));
    const int64_t ix1 = std::min<int64_t>(g_.inW, static_cast<int64_t>(Wp_) - g_.padL);
    if (ix0 >= ix1) return;
    const size_t hw = static_cast<size_t>(g_.inH) * g_.inW;
    const int8_t* src[4];
    for (size_t l = 0; l < 4; l++) {
      const size_t ch = q * 4 + l;
      src[l] = ch < g_.cin ? x + ch * hw + static_cast<size_t>(iy) * g_.inW : nullptr;
    }
    if (sw_ > 1) {  // phase by phase: padded columns c = a, a + sw, ... (no division per byte)
      const size_t a = static_cast<size_t>(ix0 + g_.padL), b = static_cast<size_t>(ix1 + g_.padL);
      for (size_t ph = 0; ph < sw_; ph++) {
        const size_t c0 = a + (ph + sw_ - a % sw_) % sw_;
        uint8_t* d = dst + (ph * Wq_ + c0 / sw_) * 4;
        for (size_t c = c0; c < b; c += sw_, d += 4)
          for (size_t l = 0; l < 4; l++) d[l] = src[l] ? static_cast<uint8_t>(src[l][c - g_.padL]) : 0;
      }
      return;
    }
    uint8_t* d = dst + static_cast<size_t>(ix0 + g_.padL) * 4;
    const size_t n = static_cast<size_t>(ix1 - ix0);
    size_t c = 0;
    if (src[3]) {  // all four channels real: 16 columns at a time, bytes interleaved
      for (; c + 16 <= n; c += 16) Interleave16(src[0] + ix0 + c, src[1] + ix0 + c, src[2] + ix0 + c, src[3] + ix0 + c, d + c * 4);
    }
    for (; c < n; c++)
      for (size_t l = 0; l < 4; l++) d[c * 4 + l] = src[l] ? static_cast<uint8_t>(src[l][ix0 + c]) : 0;
  }

  // B tile of position tile j (counted from the strip's first row), tap (ky, kx), channel step
  // s; its rows (channel quads) are one strip plane apart
  const uint8_t* BTile(const Strip& xp, size_t j, size_t ky, size_t kx, size_t s) const {
    const size_t y = j / tpr_, x0 = j % tpr_ * kT;
    const size_t col = fold_ == 0 ? kx % sw_ * Wq_ + x0 + kx / sw_ : x0;
    return xp.p + ((s * (kKS / 4) * xp.rows + y * g_.sh + ky) * Wp_ + col) * 4;
  }

  template <int NM, int NN>
  void Block(const Strip& xp, size_t i, size_t j, const Rows& out) const {
    const uint8_t* A = A_.data();
    const size_t a_next = taps_ * steps_ * kTile;  // next output-channel tile
    const size_t bstride = xp.rows * Wp_ * 4;
    amx::ZeroAccumulators<NM, NN>();
    const size_t tx_n = g_.kw / vx_;
    for (size_t t = 0; t < taps_; t++) {
      const size_t ky = t / tx_n, kx = t % tx_n;  // the taps left after folding
      for (size_t s = 0; s < steps_; s++) {
        const uint8_t* a = A + ((i * taps_ + t) * steps_ + s) * kTile;
        // (the second B tile's address is only formed when it is loaded)
        amx::MultiplyStep<NM, NN>(a, a + a_next, BTile(xp, j, ky, kx, s), NN == 2 ? BTile(xp, j + 1, ky, kx, s) : nullptr, bstride);
      }
    }
    // C tile (output-channel tile i, position tile j): rows are channels, all 16 columns kept
    const size_t M = out.channels, N = static_cast<size_t>(-1), ldc = out.ld, m0 = (i - out.i0) * kT;  // every column is kept
    int32_t* C = out.acc;
    EQ_AMX_STORE_TILE(0, m0, j * kT);
    if constexpr (NN == 2) EQ_AMX_STORE_TILE(1, m0, (j + 1) * kT);
    if constexpr (NM == 2) EQ_AMX_STORE_TILE(2, m0 + kT, j * kT);
    if constexpr (NM == 2 && NN == 2) EQ_AMX_STORE_TILE(3, m0 + kT, (j + 1) * kT);
  }

  LinearGeom g_;
  int fold_ = 0;
  size_t vx_ = 1, vch_ = 0;  // kx taps folded per input channel, virtual channels
  size_t cin_p_ = 0, steps_ = 0, taps_ = 0, tpr_ = 0, sw_ = 1, Wq_ = 0, Wp_ = 0, mt_ = 0;
  AlignedBuffer A_;
};

}  // namespace

std::unique_ptr<AmxConv> MakeAmxConvImpl(const LinearGeom& g, const int8_t* weights) {
  std::unique_ptr<AmxConvImpl> c(new AmxConvImpl(g));
  if (!c->PackWeights(weights)) return nullptr;
  return std::unique_ptr<AmxConv>(c.release());
}

}  // namespace kernels
}  // namespace eq
