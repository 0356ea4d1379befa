// AVX2 build of the int8 max pooling (same source as the scalar one: scalar/maxpool_impl.h;
// with -mavx2 the compiler vectorises the running max and the row max with VPMAXSB).
#include "kernels/kernels.h"
#include "kernels/scalar/maxpool_impl.h"

namespace eq {
namespace kernels {

void MaxPoolS8PlanesAvx2(const int8_t* x, const PoolGeom& g, size_t plane0, size_t plane1, int8_t* y) { MaxPoolPlanesImpl(x, g, plane0, plane1, y); }

}  // namespace kernels
}  // namespace eq
