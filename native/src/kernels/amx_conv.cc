#include "kernels/amx_conv.h"

namespace eq {
namespace kernels {

#if defined(EQ_HAVE_AMX)
std::unique_ptr<AmxConv> MakeAmxConvImpl(const LinearGeom& g, const int8_t* weights);  // x86_amx/conv_amx.cc
#endif

bool AmxConvApplicable(const LinearGeom& g) {
  return g.conv && g.group == 1 && g.sh >= 1 && g.sh <= 4 && g.sw >= 1 && g.sw <= 4 && g.dh == 1 && g.dw == 1 && g.outH > 0 && g.outW > 0;
}

std::unique_ptr<AmxConv> MakeAmxConv(const LinearGeom& g, const int8_t* weights) {
#if defined(EQ_HAVE_AMX)
  if (AmxConvApplicable(g) && weights && IsaAvailable(Isa::kAmx)) return MakeAmxConvImpl(g, weights);
#endif
  (void)g, (void)weights;
  return nullptr;
}

}  // namespace kernels
}  // namespace eq
