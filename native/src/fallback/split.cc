// Split (opset 2+, any stored dtype) along `axis` into the node's outputs: sizes from the
// attribute split (opset < 13) or constant input 1 (opset 13+), else equal parts (opset 18+:
// num_outputs parts of ceil(d / n), the last smaller), as in the TypeScript kernel (ops/split.ts).
#include <algorithm>
#include <cstring>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

using std::to_string;

class SplitKernel : public Kernel {
 public:
  SplitKernel(std::vector<size_t> rows, size_t outer, size_t row_in) : rows_(std::move(rows)), outer_(outer), row_in_(row_in) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const uint8_t* x = static_cast<const uint8_t*>(ins[0]);
    size_t off = 0;
    for (size_t k = 0; k < rows_.size(); k++) {
      uint8_t* y = static_cast<uint8_t*>(outs[k]);
      if (y && rows_[k] > 0)
        for (size_t o = 0; o < outer_; o++) std::memcpy(y + o * rows_[k], x + o * row_in_ + off, rows_[k]);
      off += rows_[k];
    }
  }

 private:
  std::vector<size_t> rows_;  // bytes per outer block, per output
  size_t outer_, row_in_;
};

}  // namespace

Status PrepareSplit(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "input", &x, true));
  const int64_t r = static_cast<int64_t>(x->dims.size());
  int64_t axis_attr, axis;
  EQ_RETURN_IF_ERROR(c.AttrInt("axis", 0, &axis_attr));
  EQ_RETURN_IF_ERROR(c.NormAxis(axis_attr, r, &axis));
  const int64_t d = x->dims[axis];
  const size_t n_out = c.fn.outputs.size();
  if (n_out == 0) return c.Fail("needs at least one output");
  Dims parts;
  bool have = false;
  if (c.opset < 13) {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    EQ_RETURN_IF_ERROR(c.AttrInts("split", {}, &parts, &have));
  } else {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 2));
    if (c.HasInput(1)) {
      EQ_RETURN_IF_ERROR(c.ConstInts(1, "split", &parts));
      have = true;
    }
  }
  if (!have) {
    int64_t n = static_cast<int64_t>(n_out);
    if (c.opset >= 18) EQ_RETURN_IF_ERROR(c.AttrInt("num_outputs", n, &n));
    if (n <= 0) return c.Fail("needs at least one output");
    const int64_t chunk = c.opset >= 18 ? (d + n - 1) / n : d / n;
    if (c.opset < 18 && d % n != 0) return c.Fail("axis " + to_string(axis) + " of size " + to_string(d) + " cannot be split into " + to_string(n) + " equal parts");
    parts.clear();
    for (int64_t i = 0; i < n; i++) parts.push_back(std::max<int64_t>(0, std::min(chunk, d - i * chunk)));
  }
  if (parts.size() != n_out) return c.Fail("split " + DimsStr(parts) + " has " + to_string(parts.size()) + " parts for " + to_string(n_out) + " outputs");
  int64_t sum = 0;
  for (int64_t p : parts) {
    if (p < 0 || p > d) return c.Fail("split " + DimsStr(parts) + " does not add up to axis " + to_string(axis) + " of size " + to_string(d));
    sum += p;
  }
  if (sum != d) return c.Fail("split " + DimsStr(parts) + " does not add up to axis " + to_string(axis) + " of size " + to_string(d));
  size_t outer = 1, inner = ElemSize(x->dtype);
  for (int64_t i = 0; i < axis; i++) outer *= static_cast<size_t>(x->dims[i]);
  for (int64_t i = axis + 1; i < r; i++) inner *= static_cast<size_t>(x->dims[i]);
  std::vector<size_t> rows;
  for (size_t k = 0; k < n_out; k++) {
    Dims od = x->dims;
    od[axis] = parts[k];
    if (c.Output(k)) EQ_RETURN_IF_ERROR(c.CheckOutput(k, od, x->dtype));
    rows.push_back(static_cast<size_t>(parts[k]) * inner);
  }
  c.SetKernel(std::make_shared<SplitKernel>(rows, outer, static_cast<size_t>(d) * inner), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
