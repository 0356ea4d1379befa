// FP32 fallback ops: the nodes the quantizer leaves in float (softmax heads, detection
// post-processing, layers kept FP32). Semantics follow the TypeScript kernels in
// src-main/core/ops (float32 results; accumulations in double where they use float64).
// They are outside the bit-exact contract but are validated as strictly as the int8 ops:
// Prepare() checks dtypes, attributes and every output shape against the tensor table before
// a kernel exists, so Run() cannot index out of bounds.
#pragma once

#include "common/status.h"
#include "common/thread_pool.h"
#include "format/model.h"
#include "kernels/isa.h"

namespace eq {
namespace fallback {

class Kernel {
 public:
  virtual ~Kernel() = default;
  // ins[i] is null for an omitted optional input; outs[i] null for an unused output.
  virtual void Run(const void* const* ins, void* const* outs) const = 0;
  // the session's ISA level, for kernels with SIMD variants (which must give the same floats)
  virtual void RunIsa(const void* const* ins, void* const* outs, Isa isa) const {
    (void)isa;
    Run(ins, outs);
  }
  // with the session's thread pool, for kernels that split their work; each output element is
  // computed exactly as RunIsa computes it, so the thread count never changes a result
  virtual void RunPool(const void* const* ins, void* const* outs, Isa isa, ThreadPool& pool) const {
    (void)pool;
    RunIsa(ins, outs, isa);
  }
};

// Validates op->fn against the model's tensors, creates op->fn.kernel and sets op->work.
Status Prepare(const Model& model, Op* op);

// Applies the fused activation (Relu / Clip bounds) in place.
void ApplyActivation(const FloatNode& fn, float* y, size_t n);

}  // namespace fallback
}  // namespace eq
