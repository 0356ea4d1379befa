// Depthwise 3×3 and 5×5 convolution, stride 1 and 2 (dilation 1), for ARMv8 NEON.
//
// Per channel the input plane is first widened to int16 into a padded scratch plane (the
// explicit padding plus enough slack that every vector load of the inner loop stays inside
// it), so the inner loop has no bounds checks and the taps outside the input read the pad
// value (0, or -z for an input with zero offset z), exactly as the scalar reference does.
// Each output row is computed 8 outputs at a time: per tap one vector of 8 int16 inputs
// (stride 1: an unaligned load at ox + kx; stride 2: LD2 deinterleaves even/odd columns) and
// SMLAL/SMLAL2 by weight lane into int32.
// int16 × int16 into int32 is exact for any int8 data (|x·w| <= 2^14 and at most 25 taps),
// so this kernel, unlike the GEMM ones, has no qmax precondition.
// Even and odd taps go to separate accumulators to halve the SMLAL dependency chains.
#include <arm_neon.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "kernels/igemm.h"

namespace eq {
namespace kernels {
namespace {

template <class F, int... Ts>
inline void Unroll(F&& f, std::integer_sequence<int, Ts...>) {
  (f(std::integral_constant<int, Ts>{}), ...);
}

// Copies plane rows [0, ph) × cols [0, pw) of the padded input (row r is input row r - padT,
// col j is input col j - padL; cells outside the input hold pv) into dst as int16. The slack
// past the true padding only feeds outputs >= outW, which are never stored, so pv is safe there.
void FillPadded(const int8_t* plane, uint32_t inH, uint32_t inW, uint32_t padT, uint32_t padL, int8_t pv, size_t ph, size_t pw, int16_t* dst) {
  // columns j in [j0, j1) map to input columns j - padL in [0, inW)
  const size_t j0 = padL < pw ? padL : pw;
  const size_t j1 = static_cast<size_t>(padL) + inW < pw ? static_cast<size_t>(padL) + inW : pw;
  for (size_t r = 0; r < ph; r++) {
    int16_t* d = dst + r * pw;
    const int64_t iy = static_cast<int64_t>(r) - padT;
    if (iy < 0 || iy >= inH || j0 >= j1) {
      std::fill_n(d, pw, static_cast<int16_t>(pv));
      continue;
    }
    std::fill_n(d, j0, static_cast<int16_t>(pv));
    const int8_t* s = plane + static_cast<size_t>(iy) * inW;  // d[j] = s[j - padL]
    size_t j = j0;
    for (; j + 8 <= j1; j += 8) vst1q_s16(d + j, vmovl_s8(vld1_s8(s + (j - padL))));
    for (; j < j1; j++) d[j] = s[j - padL];
    std::fill_n(d + j1, pw - j1, static_cast<int16_t>(pv));
  }
}

template <int K, int S>
void DwChannels(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t padT, uint32_t padL, int8_t pv,
                size_t c0, size_t c1, int32_t* acc) {
  if (outH == 0 || outW == 0) return;
  const size_t hw = static_cast<size_t>(inH) * inW, P = static_cast<size_t>(outH) * outW;
  const size_t owr = (static_cast<size_t>(outW) + 7) & ~static_cast<size_t>(7);
  // last load: stride 1 reads [ox+kx, +8), stride 2 reads 16 elements from 2·ox + even kx
  const size_t ph = static_cast<size_t>(outH - 1) * S + K, pw = S * owr + K - 1;
  thread_local std::vector<int16_t> scratch;
  if (scratch.size() < ph * pw) scratch.resize(ph * pw);
  int16_t* pad = scratch.data();

  for (size_t c = c0; c < c1; c++) {
    FillPadded(x + c * hw, inH, inW, padT, padL, pv, ph, pw, pad);
    int16_t wt[32] = {0};
    for (int t = 0; t < K * K; t++) wt[t] = w[c * K * K + t];
    int16x8_t wv[4];
    for (int i = 0; i < 4; i++) wv[i] = vld1q_s16(wt + 8 * i);
    int32_t* out = acc + (c - c0) * P;

    for (size_t oy = 0; oy < outH; oy++) {
      const int16_t* rows = pad + oy * S * pw;
      int32_t* orow = out + oy * outW;
      for (size_t ox = 0; ox < outW; ox += 8) {
        int32x4_t lo0 = vdupq_n_s32(0), hi0 = lo0, lo1 = lo0, hi1 = lo0;
        Unroll(
            [&](auto ky_c) {
              constexpr int ky = decltype(ky_c)::value;
              const int16_t* r = rows + ky * pw;
              int16x8_t xs[K];
              if (S == 1) {
                for (int kx = 0; kx < K; kx++) xs[kx] = vld1q_s16(r + ox + kx);
              } else {
                for (int kx = 0; kx < K; kx += 2) {
                  const int16x8x2_t v = vld2q_s16(r + 2 * ox + kx);  // even / odd columns
                  xs[kx] = v.val[0];
                  if (kx + 1 < K) xs[kx + 1] = v.val[1];
                }
              }
              Unroll(
                  [&](auto kx_c) {
                    constexpr int kx = decltype(kx_c)::value, t = ky * K + kx;
                    if (t % 2 == 0) {
                      lo0 = vmlal_laneq_s16(lo0, vget_low_s16(xs[kx]), wv[t / 8], t % 8);
                      hi0 = vmlal_high_laneq_s16(hi0, xs[kx], wv[t / 8], t % 8);
                    } else {
                      lo1 = vmlal_laneq_s16(lo1, vget_low_s16(xs[kx]), wv[t / 8], t % 8);
                      hi1 = vmlal_high_laneq_s16(hi1, xs[kx], wv[t / 8], t % 8);
                    }
                  },
                  std::make_integer_sequence<int, K>{});
            },
            std::make_integer_sequence<int, K>{});
        const int32x4_t lo = vaddq_s32(lo0, lo1), hi = vaddq_s32(hi0, hi1);
        if (ox + 8 <= outW) {
          vst1q_s32(orow + ox, lo);
          vst1q_s32(orow + ox + 4, hi);
        } else {
          int32_t tmp[8];
          vst1q_s32(tmp, lo);
          vst1q_s32(tmp + 4, hi);
          for (size_t j = 0; ox + j < outW; j++) orow[ox + j] = tmp[j];
        }
      }
    }
  }
}

bool Supports(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw) {
  return kh == kw && (kh == 3 || kh == 5) && sh == sw && (sh == 1 || sh == 2) && dh == 1 && dw == 1;
}

void Run(const int8_t* x, const int8_t* w, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw,
         uint32_t dh, uint32_t dw, uint32_t padT, uint32_t padL, int8_t pad, size_t c0, size_t c1, int32_t* acc) {
  if (!Supports(kh, kw, sh, sw, dh, dw)) {  // the selector never does this; stay correct anyway
    DwConvScalar()->run(x, w, inH, inW, outH, outW, kh, kw, sh, sw, dh, dw, padT, padL, pad, c0, c1, acc);
    return;
  }
  if (kh == 3 && sh == 1) DwChannels<3, 1>(x, w, inH, inW, outH, outW, padT, padL, pad, c0, c1, acc);
  if (kh == 3 && sh == 2) DwChannels<3, 2>(x, w, inH, inW, outH, outW, padT, padL, pad, c0, c1, acc);
  if (kh == 5 && sh == 1) DwChannels<5, 1>(x, w, inH, inW, outH, outW, padT, padL, pad, c0, c1, acc);
  if (kh == 5 && sh == 2) DwChannels<5, 2>(x, w, inH, inW, outH, outW, padT, padL, pad, c0, c1, acc);
}

const DwConvKernel kDwNeon{"dw-neon", Isa::kNeon, Supports, Run};

}  // namespace

const DwConvKernel* DwConvNeon() { return &kDwNeon; }

}  // namespace kernels
}  // namespace eq
