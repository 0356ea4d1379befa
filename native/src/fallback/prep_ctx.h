// Helpers shared by the fallback op files: typed access to a node's tensors and attributes,
// with every failure reported as a Status naming the node.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "fallback/fp32_ops.h"

namespace eq {
namespace fallback {

using Dims = std::vector<int64_t>;

std::string DimsStr(const Dims& d);
inline int64_t Numel(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

class PrepCtx {
 public:
  PrepCtx(const Model& m, Op* op);

  const Model& model;
  Op* op;
  const FloatNode& fn;
  int opset;
  std::string where;

  bool HasInput(size_t i) const { return i < fn.inputs.size() && fn.inputs[i] >= 0; }
  const TensorInfo* Input(size_t i) const { return HasInput(i) ? &model.tensors[fn.inputs[i]] : nullptr; }
  const TensorInfo* Output(size_t i) const {
    return i < fn.outputs.size() && fn.outputs[i] >= 0 ? &model.tensors[fn.outputs[i]] : nullptr;
  }

  Status Fail(const std::string& msg) const { return InvalidFile(where + ": " + msg); }
  Status Unsup(const std::string& msg) const { return Unsupported(where + ": " + msg); }

  // input i must exist and (unless any) have dtype dt
  Status Req(size_t i, const char* what, const TensorInfo** t, bool any_dtype = false, DType dt = DType::kF32) const;
  // output i must exist with exactly these dims and dtype; other outputs beyond max_outputs must be unused
  Status CheckOutput(size_t i, const Dims& dims, DType dt) const;
  Status OnlyOutputs(size_t n) const;
  Status InputCount(size_t lo, size_t hi) const;

  Status AttrInt(const char* name, int64_t dflt, int64_t* v) const;
  Status AttrInts(const char* name, const Dims& dflt, Dims* v, bool* present = nullptr) const;
  Status AttrFloat(const char* name, double dflt, double* v) const;
  Status AttrString(const char* name, const std::string& dflt, std::string* v) const;
  // input i must be a constant 1-D int64 tensor (shape/axes/starts...); values clamped to int64
  Status ConstInts(size_t i, const char* what, Dims* v) const;
  Status NormAxis(int64_t axis, int64_t rank, int64_t* out) const;

  void SetKernel(std::shared_ptr<Kernel> k, uint64_t work) const {
    op->fn.kernel = std::move(k);
    op->work = work;
  }
};

// converts an attribute number (f64) to an integer; large magnitudes saturate (INT64_MAX sentinels)
bool ToInt(double v, int64_t* out);

// op families (one file each)
Status PrepareUnary(PrepCtx& c);      // Exp Relu Sigmoid Sqrt Clip
Status PrepareBinary(PrepCtx& c);     // Add Sub Mul Div PRelu Pow
Status PrepareCopyLike(PrepCtx& c);   // Reshape Flatten Squeeze Unsqueeze Identity
Status PrepareTranspose(PrepCtx& c);
Status PrepareSlice(PrepCtx& c);
Status PrepareConcat(PrepCtx& c);
Status PrepareSoftmax(PrepCtx& c);
Status PreparePool(PrepCtx& c);       // MaxPool AveragePool
Status PrepareGlobalPool(PrepCtx& c); // GlobalAveragePool GlobalMaxPool
Status PrepareConv(PrepCtx& c);
Status PrepareGemm(PrepCtx& c);
Status PrepareMatMul(PrepCtx& c);
Status PrepareHardSigmoid(PrepCtx& c);     // hard_sigmoid.cc
Status PrepareBatchNorm(PrepCtx& c);       // batch_norm_f32.cc
Status PrepareConvTranspose(PrepCtx& c);   // conv_transpose_f32.cc
Status PrepareResize(PrepCtx& c);          // resize_f32.cc
Status PrepareLeakyRelu(PrepCtx& c);       // leaky_relu.cc
Status PrepareHardSwish(PrepCtx& c);       // hard_swish.cc
Status PrepareMinMax(PrepCtx& c);          // minmax.cc: Max Min
Status PreparePad(PrepCtx& c);             // pad.cc
Status PrepareSplit(PrepCtx& c);           // split.cc
Status PrepareReduceMean(PrepCtx& c);      // reduce_mean.cc
Status PrepareEqual(PrepCtx& c);           // equal.cc: Equal GreaterOrEqual LessOrEqual
Status PrepareCast(PrepCtx& c);            // cast.cc
Status PrepareReduceMax(PrepCtx& c);       // reduce_max.cc
Status PrepareLog(PrepCtx& c);             // log.cc

// the axes / keepdims / noop_with_empty_axes of a Reduce* node (reduce_mean.cc): output dims,
// per input axis the stride into the output (0 on reduced axes) and the kept-dims output size
struct ReduceDims {
  bool noop = false;  // opset 18+ noop_with_empty_axes and no axes: the output is a copy
  Dims out, os;
  size_t n_out = 0;
};
Status ReduceGeom(PrepCtx& c, const TensorInfo* x, ReduceDims* g);
std::shared_ptr<Kernel> MakeCopyF32(size_t n);
// the prepare shared by the FP32 Reduce* ops (reduce_mean.cc): one float input, one output, the
// geometry from ReduceGeom; a noop reduction copies, otherwise make_kernel(in dims, os, n_out)
using ReduceKernelFactory = std::shared_ptr<Kernel> (*)(const Dims& in, const Dims& os, size_t n_out);
Status PrepareReduce(PrepCtx& c, ReduceKernelFactory make_kernel);

// window geometry of Conv / pooling (port of ops/spatial.ts windowGeom)
struct Window {
  int64_t N, C, H, W, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, OH, OW;
  int spatial_rank;
};
struct WindowOpts {
  const int64_t* kernel = nullptr;  // [kh, kw] from the weights (Conv)
  bool ceil_mode = false;
  bool allow_dilations = true;
};
Status WindowGeom(const PrepCtx& c, const Dims& x, const WindowOpts& o, Window* g);
inline Dims WindowOutDims(const Window& g, int64_t channels) {
  return g.spatial_rank == 1 ? Dims{g.N, channels, g.OW} : Dims{g.N, channels, g.OH, g.OW};
}

}  // namespace fallback
}  // namespace eq
