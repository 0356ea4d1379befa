// Output stage of the quantized linear layers, exactly as int-program.ts defines it:
//   a = acc + bias (must stay in int32)
//   int8 out:  q = clip(rne(float(a) * M_c), lo, hi)       (one float32 multiply, no FMA)
//   float out: y = act(float(a) * D_c)
//   tap:       float(double(a) * (1 / (Sa * Sw_c)))
#include <cstdint>

#include "kernels/kernels.h"
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

}  // namespace

bool OutputStageS8(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                   size_t pstride, float* tap,
                   size_t* bad_channel) {
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t b = s.bias[c];
    const float m = s.mult[c];
    const double t = s.tap_mult[c];
    const int32_t* row = acc + i * ld_acc - p0;
    for (size_t p = p0; p < p0 + np; p++) {
      int32_t a;
      if (!AddBias(row[p], b, &a)) {
        *bad_channel = c;
        return false;
      }
      const size_t o = c * cstride + p * pstride;
      if (tap) tap[o] = static_cast<float>(static_cast<double>(a) * t);
      out[o] = ClipRne(static_cast<float>(a) * m, s.lo, s.hi);
    }
  }
  return true;
}

bool OutputStageF32(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, float* out, size_t cstride,
                   size_t pstride, float* tap,
                    size_t* bad_channel) {
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    const int32_t b = s.bias[c];
    const float m = s.mult[c];
    const double t = s.tap_mult[c];
    const int32_t* row = acc + i * ld_acc - p0;
    for (size_t p = p0; p < p0 + np; p++) {
      int32_t a;
      if (!AddBias(row[p], b, &a)) {
        *bad_channel = c;
        return false;
      }
      const size_t o = c * cstride + p * pstride;
      if (tap) tap[o] = static_cast<float>(static_cast<double>(a) * t);
      float v = static_cast<float>(a) * m;
      if (s.has_act) {
        const double dv = v;
        if (dv < s.act_min) v = static_cast<float>(s.act_min);
        else if (dv > s.act_max) v = static_cast<float>(s.act_max);
      }
      out[o] = v;
    }
  }
  return true;
}

}  // namespace kernels
}  // namespace eq
