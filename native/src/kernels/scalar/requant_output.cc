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

}  // namespace

bool OutputStageS8(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                   size_t pstride, float* tap, size_t* bad_channel) {
  return ForEachOutput(acc, ld_acc, c0, nc, p0, np, s, cstride, pstride, tap, bad_channel,
                       [&](size_t c, int32_t a, size_t o) { out[o] = ClipRne(static_cast<float>(a) * s.mult[c], s.lo, s.hi); });
}

bool OutputStageF32(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, float* out, size_t cstride,
                    size_t pstride, float* tap, size_t* bad_channel) {
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
