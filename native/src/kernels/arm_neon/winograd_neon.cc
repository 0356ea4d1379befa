// NEON micro-kernel of the integer Winograd tile GEMM: SMLAL / SMLAL2 by element (int16 x
// int16 widened into int32 lanes; one product < 2^28, winograd_math.h) with wrapping int32
// accumulation, undone exactly by the chunked output transform. Register block: 8 output
// channels (2 int32x4) x up to 8 tiles = 16 accumulators. U stores channel pairs interleaved
// ([kpair][8 couts][2]); LD2 splits them into the even- and odd-channel vectors.
#include <arm_neon.h>

#include <cstring>

#include "kernels/scalar/winograd_driver.h"
#include "kernels/scalar/winograd_factories.h"

namespace eq {
namespace kernels {
namespace {

struct NeonKernel {
  static constexpr int CB = 8, NT = 8, TB = 24;
  static constexpr const char* isa = "neon";

  template <int N>
  static void GemmN(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int32_t* m, size_t ms) {
#define EQ_WNEON_DECL(t) int32x4_t a##t##0 = vdupq_n_s32(0), a##t##1 = vdupq_n_s32(0);
#define EQ_WNEON_STEP(t)                                                      \
  if constexpr (N > t) {                                                      \
    int32_t pair;                                                             \
    std::memcpy(&pair, v + t * vs + 2 * k, sizeof(pair));                     \
    const int16x4_t b = vreinterpret_s16_s32(vdup_n_s32(pair));               \
    a##t##0 = vmlal_lane_s16(a##t##0, vget_low_s16(ue), b, 0);                \
    a##t##1 = vmlal_high_lane_s16(a##t##1, ue, b, 0);                         \
    a##t##0 = vmlal_lane_s16(a##t##0, vget_low_s16(uo), b, 1);                \
    a##t##1 = vmlal_high_lane_s16(a##t##1, uo, b, 1);                         \
  }
#define EQ_WNEON_STORE(t)             \
  if constexpr (N > t) {              \
    vst1q_s32(m + t * ms, a##t##0);     \
    vst1q_s32(m + t * ms + 4, a##t##1); \
  }
    EQ_WNEON_DECL(0) EQ_WNEON_DECL(1) EQ_WNEON_DECL(2) EQ_WNEON_DECL(3)
    EQ_WNEON_DECL(4) EQ_WNEON_DECL(5) EQ_WNEON_DECL(6) EQ_WNEON_DECL(7)
    for (size_t k = 0; k < kpairs; k++) {
      const int16x8x2_t uu = vld2q_s16(u + k * 16);  // [0]: 8 couts of the even channel, [1]: odd
      const int16x8_t ue = uu.val[0], uo = uu.val[1];
      EQ_WNEON_STEP(0) EQ_WNEON_STEP(1) EQ_WNEON_STEP(2) EQ_WNEON_STEP(3)
      EQ_WNEON_STEP(4) EQ_WNEON_STEP(5) EQ_WNEON_STEP(6) EQ_WNEON_STEP(7)
    }
    EQ_WNEON_STORE(0) EQ_WNEON_STORE(1) EQ_WNEON_STORE(2) EQ_WNEON_STORE(3)
    EQ_WNEON_STORE(4) EQ_WNEON_STORE(5) EQ_WNEON_STORE(6) EQ_WNEON_STORE(7)
#undef EQ_WNEON_DECL
#undef EQ_WNEON_STEP
#undef EQ_WNEON_STORE
  }

  static void Gemm(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int nt, int32_t* m, size_t ms) { wino::GemmTiles<NeonKernel>(u, v, vs, kpairs, nt, m, ms); }
};

}  // namespace

std::unique_ptr<WinogradConv> MakeWinogradNeon(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile) {
  return wino::MakeForTile<NeonKernel>(g, w, qmax, tile);
}

}  // namespace kernels
}  // namespace eq
