// Native inner loops of the EasyQuant scale search (src-main/core/calib/eq.ts is the oracle).
//
// Every score is computed with exactly the arithmetic and summation order of the TypeScript
// reference, so the chosen scales are bitwise identical:
//   - Q(x, S) = clip(rne(f32(x*S)), -q, q): one float32 multiply, round-half-to-even;
//   - `unsigned_input` (the unsigned grid, eq.ts inputGrid): the scales passed are the table's
//     S; the input is u = clip(rne(f32(x*Se)), 0, 2q) with Se = 2*S (float32, exact) and the
//     dequantization uses Se. The kernels store v = u - q (within every kernel's |v| <= q) and
//     add q * sum(w) to the int32 sums, so the integers are exactly those of u;
//   - integer dot products are exact (int32), whatever the order;
//   - the float parts (v = y*a + b, <O,v>, |v|^2, |O|^2) are float64 sums taken in the
//     reference's order (images, then channels, then positions), one rounding per operation
//     (the build uses -ffp-contract=off: no FMA contraction).
// What is reused across candidates: the quantized im2col of the group input and each
// channel's integer accumulators (weight search: updated by the change of the quantized
// weights between consecutive candidates, exact integers), the gathered FP32 im2col values and
// the packed weights (activation scores).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "format/model.h"
#include "kernels/isa.h"

namespace eq {
namespace calib {

// Cancellation flag shared with the caller (non-zero = stop); checked between work items.
using CancelFlag = const volatile int32_t;

struct WeightSearchArgs {
  LinearGeom g;
  const int32_t* positions = nullptr;  // sampled output positions (nullptr = all P)
  size_t np = 0;                       // number of scored positions per image
  size_t images = 0;
  const float* const* xs = nullptr;    // per image: the group input (quantized side), FP32
  float a_scale = 1.f;                 // the table's input scale S
  bool unsigned_input = false;         // the unsigned grid (Se = 2*S, see above)
  int32_t qmax = 127;
  const float* w_rows = nullptr;       // [cout][K]
  const float* bias = nullptr;         // [cout]
  const double* init = nullptr;        // [cout] initial scales (grid centre)
  const double* current = nullptr;     // [cout] scales kept when no candidate scores
  const double* grid = nullptr;        // grid factors: [ngrid], or [cout][ngrid] when per_channel_grid
  size_t ngrid = 0;
  bool per_channel_grid = false;
  const float* const* O = nullptr;     // per image: FP32 pre-activation [cout][np]
  Isa isa = DetectIsa();              // which kernels (ResolveIsa: option or EQ_ISA)
  int threads = 1;
  CancelFlag* cancel = nullptr;
  double* out_scales = nullptr;        // [cout]
  double* out_best = nullptr;          // [cout] best per-channel cosine (optional)
};

// Per-channel weight-scale search with the input scale fixed (eq.ts searchWeights).
Status WeightSearch(const WeightSearchArgs& a);

struct ObjectiveLayer {
  LinearGeom g;
  const int32_t* positions = nullptr;
  size_t np = 0;
  const int8_t* wq = nullptr;          // [cout][K] quantized weights
  const double* w_scales = nullptr;    // [cout] (rounded to float32 before use, as in eq.ts)
  const float* bias = nullptr;         // [cout]
  const float* const* O = nullptr;     // per image [cout][np]
};

struct ObjectiveArgs {
  std::vector<ObjectiveLayer> layers;
  size_t images = 0;
  const float* const* xs = nullptr;    // per image: the group input
  const double* scales = nullptr;      // candidate input scales S (float32 values)
  size_t nscales = 0;
  bool unsigned_input = false;         // the unsigned grid (each candidate's Se = 2*S)
  int32_t qmax = 127;
  Isa isa = DetectIsa();              // which kernels (ResolveIsa: option or EQ_ISA)
  int threads = 1;
  CancelFlag* cancel = nullptr;
  double* out_cos = nullptr;           // [scale][layer][image] whole-output cosine
};

// Per candidate input scale, per layer, per image: the cosine groupObjective (eq.ts) averages.
Status GroupObjectiveCosines(const ObjectiveArgs& a);

struct ForwardArgs {
  LinearGeom g;
  size_t images = 0;
  const float* const* xs = nullptr;    // per image input
  float a_scale = 1.f;                 // the table's input scale S
  bool unsigned_input = false;         // the unsigned grid (Se = 2*S)
  int32_t qmax = 127;
  const int8_t* wq = nullptr;          // [cout][K]
  const double* w_scales = nullptr;    // [cout]
  const float* bias = nullptr;
  float* const* outs = nullptr;        // per image output, layer layout (NCHW or [P][cout])
  Isa isa = DetectIsa();              // which kernels (ResolveIsa: option or EQ_ISA)
  int threads = 1;
  CancelFlag* cancel = nullptr;
};

// Fake-quantized pre-activation output on all positions (fake-quant-layer.ts fakeQuantPreAct
// + toOutputLayout): f32(acc * (1 / (Sa*Sw)) + b), acc exact int32 (Sa = Se on the unsigned grid).
Status LayerForward(const ForwardArgs& a);

// Name of the integer GEMM kernel LayerForward uses for qmax (for reports).
const char* ForwardKernelName(int32_t qmax);

}  // namespace calib
}  // namespace eq
