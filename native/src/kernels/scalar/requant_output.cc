// Output stage of the quantized linear layers, exactly as int-program.ts defines it:
//   a = acc + bias (must stay in int32)
//   int8 out:  q = clip(rne(float(a) * M_c) - z, lo, hi)   (one float32 multiply, no FMA; z the
//              output's zero offset, subtracted after rounding: ClipRneOffset)
//   float out: y = act(float(a) * D_c)
//   tap:       float(double(a) * (1 / (Sa * Sw_c)))
#include <cmath>
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/scalar/act_bounds.h"
#include "kernels/scalar/rounding.h"

namespace eq {
namespace kernels {
namespace {

inline bool AddBias(int32_t acc, int32_t bias, int32_t* out) {
  const int64_t a = static_cast<int64_t>(acc) + bias;
  if (a > INT32_MAX || a < INT32_MIN) return false;
  *out = static_cast<int32_t>(a);
  return true;
}

// The loop both output stages share: bias add with the int32 check, the optional tap, then
// `store(c, a, o)` writes the element.
template <typename Store>
bool ForEachOutput(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, size_t cstride, size_t pstride,
                   float* tap, size_t* bad_channel, Store store) {
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t b = s.bias[c];
    const double t = s.tap_mult[c];
    const int32_t* row = acc + i * ld_acc;
    for (size_t j = 0; j < np; j++) {
      int32_t a;
      if (!AddBias(row[j], b, &a)) {
        *bad_channel = c;
        return false;
      }
      const size_t o = c * cstride + (p0 + j) * pstride;
      if (tap) tap[o] = static_cast<float>(static_cast<double>(a) * t);
      store(c, a, o);
    }
  }
  return true;
}

// Without a tap, a row at a time: the int32 check is a min/max over the row (the first
// overflowing channel is the same one), and `store_row(c, row, b, o)` is a branch-free loop the
// compiler vectorises. This path is what runs outside diagnostics.
template <typename StoreRow>
bool ForEachRow(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, size_t cstride, size_t pstride,
                size_t* bad_channel, StoreRow store_row) {
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t* row = acc + i * ld_acc;
    int32_t mn = INT32_MAX, mx = INT32_MIN;
    for (size_t j = 0; j < np; j++) {
      mn = row[j] < mn ? row[j] : mn;
      mx = row[j] > mx ? row[j] : mx;
    }
    const int64_t b = s.bias[c];
    if (np && (mx + b > INT32_MAX || mn + b < INT32_MIN)) {
      *bad_channel = c;
      return false;
    }
    store_row(c, row, static_cast<int32_t>(b), c * cstride + p0 * pstride);
  }
  return true;
}

}  // namespace

bool OutputStageS8(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                   size_t pstride, float* tap, size_t* bad_channel) {
  if (!tap)
    return ForEachRow(acc, ld_acc, c0, nc, p0, np, s, cstride, pstride, bad_channel, [&](size_t c, const int32_t* row, int32_t b, size_t o) {
      const float m = s.mult[c];
      const int32_t lo = s.lo, hi = s.hi, z = s.zero;
      for (size_t j = 0; j < np; j++) out[o + j * pstride] = ClipRneOffset(static_cast<float>(row[j] + b) * m, lo, hi, z);
    });
  return ForEachOutput(acc, ld_acc, c0, nc, p0, np, s, cstride, pstride, tap, bad_channel,
                       [&](size_t c, int32_t a, size_t o) { out[o] = ClipRneOffset(static_cast<float>(a) * s.mult[c], s.lo, s.hi, s.zero); });
}

bool OutputStageF32(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, float* out, size_t cstride,
                    size_t pstride, float* tap, size_t* bad_channel) {
  if (!tap) {
    const float lo_cmp = FloatCeil(s.act_min), hi_cmp = FloatFloor(s.act_max);
    const float lo_val = static_cast<float>(s.act_min), hi_val = static_cast<float>(s.act_max);
    return ForEachRow(acc, ld_acc, c0, nc, p0, np, s, cstride, pstride, bad_channel, [&](size_t c, const int32_t* row, int32_t b, size_t o) {
      const float m = s.mult[c];
      float* dst = out + o;
      if (!s.has_act) {
        for (size_t j = 0; j < np; j++) dst[j * pstride] = static_cast<float>(row[j] + b) * m;
      } else if (pstride == 1) {
        for (size_t j = 0; j < np; j++) {
          const float v = static_cast<float>(row[j] + b) * m;
          dst[j] = v < lo_cmp ? lo_val : (v > hi_cmp ? hi_val : v);
        }
      } else {
        for (size_t j = 0; j < np; j++) {
          const float v = static_cast<float>(row[j] + b) * m;
          dst[j * pstride] = v < lo_cmp ? lo_val : (v > hi_cmp ? hi_val : v);
        }
      }
    });
  }
  return ForEachOutput(acc, ld_acc, c0, nc, p0, np, s, cstride, pstride, tap, bad_channel, [&](size_t c, int32_t a, size_t o) {
    float v = static_cast<float>(a) * s.mult[c];
    if (s.has_act) {
      const double dv = v;
      if (dv < s.act_min) v = static_cast<float>(s.act_min);
      else if (dv > s.act_max) v = static_cast<float>(s.act_max);
    }
    out[o] = v;
  });
}

}  // namespace kernels
}  // namespace eq
