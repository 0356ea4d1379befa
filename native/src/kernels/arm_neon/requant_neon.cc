// NEON output stage for int8 outputs in NCHW rows (pstride 1, no tap): the same IEEE steps as
// scalar/requant_output.cc, so bit-exact with it —
//   a = acc + bias            int32 add; a lane that overflows sends the row block to the scalar
//                             path, which reports the channel
//   v = float(a) * M_c        SCVTF and FMUL round to nearest even like the scalar casts (no
//                             FMA: separate multiply, and the build uses -ffp-contract=off)
//   q = clip(rne(v), lo, hi)  clamping v to [lo, hi] first and then rounding (FCVTNS: to
//                             nearest, ties to even) gives the same integer as rounding first,
//                             because lo and hi are integers; v is never NaN (finite a and M_c)
//   zero offset z             the clamp is to [lo + z, hi + z] and z is subtracted from the
//                             rounded int32 before the narrowing (z = 0: the same bytes)
// 16 outputs per step, then 8 and 4, and the last np % 4 through the same vector code on a
// zero-padded copy (0 + bias cannot overflow). Before this, the scalar stage was 32-64 % of
// every NEON and dot-product inference's instructions.
#include <arm_neon.h>

#include "kernels/kernels.h"

namespace eq {
namespace kernels {
namespace {

struct Consts {
  int32x4_t b, z;
  float32x4_t m, lo, hi;  // lo, hi: the clamp plus z
};

// 4 accumulators → 4 clamped, rounded int32; `ovf` collects the overflowing lanes' sign bits
inline int32x4_t Requant4(const int32_t* row, const Consts& k, uint32x4_t* ovf) {
  const int32x4_t a = vld1q_s32(row);
  const int32x4_t s = vaddq_s32(a, k.b);
  // signed overflow: a and b have the same sign and s the other one
  *ovf = vorrq_u32(*ovf, vreinterpretq_u32_s32(vandq_s32(veorq_s32(a, s), veorq_s32(k.b, s))));
  const float32x4_t v = vminq_f32(vmaxq_f32(vmulq_f32(vcvtq_f32_s32(s), k.m), k.lo), k.hi);
  return vsubq_s32(vcvtnq_s32_f32(v), k.z);
}

// int32 lanes already in [lo, hi] ⊂ [-127, 127]: the saturating narrowings are exact
inline int8x8_t Narrow8(int32x4_t q0, int32x4_t q1) { return vqmovn_s16(vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1))); }

// one channel row; returns false when some acc + bias overflowed
inline bool Row(const int32_t* row, size_t np, const Consts& k, int8_t* o) {
  uint32x4_t ovf = vdupq_n_u32(0);
  size_t p = 0;
  for (; p + 16 <= np; p += 16) {
    const int8x8_t lo8 = Narrow8(Requant4(row + p, k, &ovf), Requant4(row + p + 4, k, &ovf));
    const int8x8_t hi8 = Narrow8(Requant4(row + p + 8, k, &ovf), Requant4(row + p + 12, k, &ovf));
    vst1q_s8(o + p, vcombine_s8(lo8, hi8));
  }
  if (p + 8 <= np) {
    vst1_s8(o + p, Narrow8(Requant4(row + p, k, &ovf), Requant4(row + p + 4, k, &ovf)));
    p += 8;
  }
  if (p + 4 <= np) {
    const int8x8_t b = Narrow8(Requant4(row + p, k, &ovf), vdupq_n_s32(0));
    vst1_lane_s32(reinterpret_cast<int32_t*>(o + p), vreinterpret_s32_s8(b), 0);  // 4 bytes, unaligned ok
    p += 4;
  }
  if (p < np) {
    int32_t tail[4] = {0, 0, 0, 0};
    for (size_t j = 0; p + j < np; j++) tail[j] = row[p + j];
    int8_t bytes[8];
    vst1_s8(bytes, Narrow8(Requant4(tail, k, &ovf), vdupq_n_s32(0)));
    for (size_t j = 0; p + j < np; j++) o[p + j] = bytes[j];
  }
  return (vmaxvq_u32(ovf) >> 31) == 0;
}

}  // namespace

bool OutputStageS8Neon(const int32_t* acc, size_t ld_acc, size_t c0, size_t nc, size_t p0, size_t np, const OutputStage& s, int8_t* out, size_t cstride,
                       size_t pstride, float* tap, size_t* bad_channel) {
  if (tap || pstride != 1) return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);
  Consts k;
  k.lo = vdupq_n_f32(static_cast<float>(s.lo + s.zero));
  k.hi = vdupq_n_f32(static_cast<float>(s.hi + s.zero));
  k.z = vdupq_n_s32(s.zero);
  for (size_t i = 0; i < nc; i++) {
    const size_t c = c0 + i;
    k.b = vdupq_n_s32(s.bias[c]);
    k.m = vdupq_n_f32(s.mult[c]);
    if (!Row(acc + i * ld_acc, np, k, out + c * cstride + p0))
      return OutputStageS8(acc, ld_acc, c0, nc, p0, np, s, out, cstride, pstride, tap, bad_channel);  // reports the channel
  }
  return true;
}

}  // namespace kernels
}  // namespace eq
