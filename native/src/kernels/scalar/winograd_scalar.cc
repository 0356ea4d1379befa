// Scalar micro-kernel of the integer Winograd tile GEMM: the portable reference path.
#include "kernels/scalar/winograd_driver.h"
#include "kernels/scalar/winograd_factories.h"

namespace eq {
namespace kernels {
namespace {

struct ScalarKernel {
  static constexpr int CB = 8, NT = 4, TB = 16;
  static constexpr const char* isa = "scalar";
  static void Gemm(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int nt, int32_t* m, size_t ms) {
    for (int t = 0; t < nt; t++) {
      uint32_t s[CB] = {};
      const int16_t* vt = v + t * vs;
      for (size_t k = 0; k < kpairs; k++) {
        const int32_t v0 = vt[2 * k], v1 = vt[2 * k + 1];
        const int16_t* uk = u + k * CB * 2;
        // one pair of products is < 2^29 (winograd_math.h): exact in int32; the sum wraps
        for (int l = 0; l < CB; l++) s[l] += static_cast<uint32_t>(uk[2 * l] * v0 + uk[2 * l + 1] * v1);
      }
      for (int l = 0; l < CB; l++) m[t * ms + l] = static_cast<int32_t>(s[l]);
    }
  }
};

}  // namespace

std::unique_ptr<WinogradConv> MakeWinogradScalar(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile) {
  return wino::MakeForTile<ScalarKernel>(g, w, qmax, tile);
}

}  // namespace kernels
}  // namespace eq
