// FP32 ReduceMean: axes from the attribute (opset < 18) or constant input 1 (opset 18+, with
// noop_with_empty_axes); none reduces everything. Sums in double over the input in memory
// order, divided and rounded once, as in the TypeScript kernel (ops/reduce-mean.ts).
#include <cstring>
#include <limits>
#include <set>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

class ReduceMeanKernel : public Kernel {
 public:
  ReduceMeanKernel(Dims in, Dims out_strides, size_t n_out) : in_(std::move(in)), os_(std::move(out_strides)), n_(n_out) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    const size_t r = in_.size();
    const int64_t len = Numel(in_);
    if (n_ == 0) return;
    std::vector<double> sum(n_, 0.0);
    if (r == 0) {
      sum[0] = x[0];
    } else if (len > 0) {
      const int64_t inner = in_[r - 1], is = os_[r - 1];
      std::vector<int64_t> idx(r, 0);
      int64_t off = 0;
      for (int64_t p = 0; p < len; p += inner) {
        int64_t o = off;
        for (int64_t i = 0; i < inner; i++, o += is) sum[static_cast<size_t>(o)] += x[p + i];
        for (size_t d = r - 1; d-- > 0;) {
          idx[d]++;
          off += os_[d];
          if (idx[d] < in_[d]) break;
          off -= os_[d] * in_[d];
          idx[d] = 0;
        }
      }
    }
    const double cnt = r == 0 ? 1.0 : static_cast<double>(len / static_cast<int64_t>(n_));
    for (size_t i = 0; i < n_; i++) y[i] = cnt > 0 ? static_cast<float>(sum[i] / cnt) : std::numeric_limits<float>::quiet_NaN();
  }

 private:
  Dims in_, os_;  // input dims; per input axis, the stride into the output (0 on reduced axes)
  size_t n_;
};

class CopyF32Kernel : public Kernel {
 public:
  explicit CopyF32Kernel(size_t n) : n_(n) {}
  void Run(const void* const* ins, void* const* outs) const override { std::memcpy(outs[0], ins[0], n_ * sizeof(float)); }

 private:
  size_t n_;
};

}  // namespace

Status ReduceGeom(PrepCtx& c, const TensorInfo* x, ReduceDims* g) {
  const int64_t r = static_cast<int64_t>(x->dims.size());
  Dims axes;
  bool have = false;
  if (c.opset < 18) {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    EQ_RETURN_IF_ERROR(c.AttrInts("axes", {}, &axes, &have));
  } else {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 2));
    if (c.HasInput(1)) {
      EQ_RETURN_IF_ERROR(c.ConstInts(1, "axes", &axes));
      have = true;
    }
  }
  int64_t keep;
  EQ_RETURN_IF_ERROR(c.AttrInt("keepdims", 1, &keep));
  std::set<int64_t> red;
  g->noop = false;
  if (!have || axes.empty()) {
    int64_t noop = 0;
    if (c.opset >= 18) EQ_RETURN_IF_ERROR(c.AttrInt("noop_with_empty_axes", 0, &noop));
    if (noop != 0) {
      g->noop = true;
      return Status::Ok();
    }
    for (int64_t i = 0; i < r; i++) red.insert(i);
  } else {
    for (int64_t a : axes) {
      int64_t ax;
      EQ_RETURN_IF_ERROR(c.NormAxis(a, r, &ax));
      red.insert(ax);
    }
  }
  Dims kept;
  g->out.clear();
  for (int64_t i = 0; i < r; i++) {
    const bool reduced = red.count(i) > 0;
    kept.push_back(reduced ? 1 : x->dims[i]);
    if (!reduced || keep != 0) g->out.push_back(reduced ? 1 : x->dims[i]);
  }
  Dims ks(static_cast<size_t>(r), 1);
  g->os.assign(static_cast<size_t>(r), 0);
  for (int64_t i = r - 1; i > 0; i--) ks[i - 1] = ks[i] * kept[i];
  for (int64_t i = 0; i < r; i++) g->os[i] = red.count(i) ? 0 : ks[i];
  g->n_out = static_cast<size_t>(Numel(kept));
  return Status::Ok();
}

std::shared_ptr<Kernel> MakeCopyF32(size_t n) { return std::make_shared<CopyF32Kernel>(n); }

Status PrepareReduce(PrepCtx& c, ReduceKernelFactory make_kernel) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "data", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  ReduceDims g;
  EQ_RETURN_IF_ERROR(ReduceGeom(c, x, &g));
  if (g.noop) {
    EQ_RETURN_IF_ERROR(c.CheckOutput(0, x->dims, DType::kF32));
    c.SetKernel(MakeCopyF32(static_cast<size_t>(x->numel)), static_cast<uint64_t>(x->numel));
    return Status::Ok();
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, g.out, DType::kF32));
  c.SetKernel(make_kernel(x->dims, g.os, g.n_out), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

Status PrepareReduceMean(PrepCtx& c) {
  return PrepareReduce(c, [](const Dims& in, const Dims& os, size_t n_out) -> std::shared_ptr<Kernel> {
    return std::make_shared<ReduceMeanKernel>(in, os, n_out);
  });
}

}  // namespace fallback
}  // namespace eq
