// Integer Winograd: applicability checks and the choice of the per-ISA implementation.
// The transforms, proofs and driver live in scalar/winograd_math.h and
// scalar/winograd_driver.h; the micro-kernels in <isa>/winograd_<isa>.cc.
#include "kernels/winograd.h"

#include "kernels/scalar/winograd_factories.h"

namespace eq {
namespace kernels {
namespace {

// 9·cin·128·qmax < 2^31 for every qmax <= 127 as long as K = 9·cin <= 131071 (the loader's
// limit): the exact output sums and their per-chunk partial sums fit int32.
constexpr uint32_t kMaxK = 131071;

// x86 levels are < 10, ARM levels >= 10; within a family a higher level includes the lower.
[[maybe_unused]] bool AtLeast(Isa isa, Isa level) {
  return (static_cast<int>(isa) < 10) == (static_cast<int>(level) < 10) && static_cast<int>(isa) >= static_cast<int>(level);
}

}  // namespace

bool WinogradApplicable(const LinearGeom& g) {
  if (!g.conv || g.group != 1 || g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 || g.dh != 1 || g.dw != 1) return false;
  if (g.cin == 0 || g.cout == 0 || g.inH == 0 || g.inW == 0 || g.outH == 0 || g.outW == 0) return false;
  if (g.K > kMaxK || static_cast<uint64_t>(g.K) != uint64_t{9} * g.cin) return false;
  if (static_cast<uint64_t>(g.P) != static_cast<uint64_t>(g.outH) * g.outW) return false;
  // keeps the padded-plane sizes and offsets small; real layers are far from these bounds,
  // absurd geometries stay on the direct path
  if (g.padT > 65536 || g.padL > 65536 || g.outH > (1u << 20) || g.outW > (1u << 20)) return false;
  return true;
}

// The best implementation the requested level allows (e.g. kDotprod → the NEON kernel); a level
// this CPU or build cannot run is refused rather than silently downgraded.
std::unique_ptr<WinogradConv> MakeWinogradConv(const LinearGeom& g, const int8_t* weights, int32_t qmax, int tile, Isa isa) {
  if (!WinogradApplicable(g) || !weights || qmax < 1 || qmax > 127 || (tile != 2 && tile != 4)) return nullptr;
  if (isa != Isa::kScalar && !IsaAvailable(isa)) return nullptr;
  const size_t n = static_cast<size_t>(g.cout) * g.cin * 9;
  for (size_t i = 0; i < n; i++)
    if (weights[i] > qmax || weights[i] < -qmax) return nullptr;  // the int16 range proof needs |w| <= qmax
#if defined(EQ_HAVE_AVX512VNNI)
  if (AtLeast(isa, Isa::kAvx512Vnni)) return MakeWinogradAvx512(g, weights, qmax, tile);
#endif
#if defined(EQ_HAVE_AVX2)
  if (AtLeast(isa, Isa::kAvx2)) return MakeWinogradAvx2(g, weights, qmax, tile);
#endif
#if defined(EQ_HAVE_NEON)
  if (AtLeast(isa, Isa::kNeon)) return MakeWinogradNeon(g, weights, qmax, tile);
#endif
  return MakeWinogradScalar(g, weights, qmax, tile);
}

}  // namespace kernels
}  // namespace eq
