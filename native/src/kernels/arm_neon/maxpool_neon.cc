// NEON build of the int8 max pooling (the shared source scalar/maxpool_impl.h) with a
// hand-written 3x3 stride-2 output row: VLD2 splits 32 bytes into even and odd columns, so
// for a = the three rows' max over bytes 2ox.. and b = over bytes 2ox+1.., output o is
// max(a.even[o], a.odd[o], b.odd[o]) — the vertical max stays in registers and a step of n
// outputs reads exactly bytes 2ox .. 2ox+2n (as the AVX2 version, x86_avx2/maxpool_avx2.cc).
#include <arm_neon.h>

#include "kernels/kernels.h"
#include "kernels/scalar/maxpool_impl.h"

namespace eq {
namespace kernels {
namespace {

void Rows3Max3S2Neon(const int8_t* r0, const int8_t* r1, const int8_t* r2, size_t ox0, size_t ox1, size_t avail, int8_t* h) {
  const auto step16 = [&](size_t o) {
    const int8x16x2_t a0 = vld2q_s8(r0 + 2 * o), a1 = vld2q_s8(r1 + 2 * o), a2 = vld2q_s8(r2 + 2 * o);
    const int8x16x2_t b0 = vld2q_s8(r0 + 2 * o + 1), b1 = vld2q_s8(r1 + 2 * o + 1), b2 = vld2q_s8(r2 + 2 * o + 1);
    const int8x16_t even = vmaxq_s8(vmaxq_s8(a0.val[0], a1.val[0]), a2.val[0]);
    const int8x16_t odd = vmaxq_s8(vmaxq_s8(a0.val[1], a1.val[1]), a2.val[1]);
    const int8x16_t next = vmaxq_s8(vmaxq_s8(b0.val[1], b1.val[1]), b2.val[1]);  // bytes 2o+2, 2o+4, ..
    vst1q_s8(h + o, vmaxq_s8(vmaxq_s8(even, odd), next));
  };
  const auto step8 = [&](size_t o) {
    const int8x8x2_t a0 = vld2_s8(r0 + 2 * o), a1 = vld2_s8(r1 + 2 * o), a2 = vld2_s8(r2 + 2 * o);
    const int8x8x2_t b0 = vld2_s8(r0 + 2 * o + 1), b1 = vld2_s8(r1 + 2 * o + 1), b2 = vld2_s8(r2 + 2 * o + 1);
    const int8x8_t even = vmax_s8(vmax_s8(a0.val[0], a1.val[0]), a2.val[0]);
    const int8x8_t odd = vmax_s8(vmax_s8(a0.val[1], a1.val[1]), a2.val[1]);
    const int8x8_t next = vmax_s8(vmax_s8(b0.val[1], b1.val[1]), b2.val[1]);
    vst1_s8(h + o, vmax_s8(vmax_s8(even, odd), next));
  };
  Rows3Max3S2Steps(step16, step8, r0, r1, r2, ox0, ox1, avail, h);
}

}  // namespace

void MaxPoolS8PlanesNeon(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y) {
  MaxPoolPlanesImpl(x, g, plane0, plane1, y, RowMax3S2, RowMax2S2, Rows3Max3S2Neon);
}

}  // namespace kernels
}  // namespace eq
