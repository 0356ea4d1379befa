// Data-movement fallback ops (any stored dtype): Reshape, Flatten, Squeeze, Unsqueeze,
// Identity/Dropout (copies), Transpose, Slice and Concat.
#include <algorithm>
#include <cstring>
#include <set>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

using std::to_string;

class CopyKernel : public Kernel {
 public:
  explicit CopyKernel(size_t bytes) : bytes_(bytes) {}
  void Run(const void* const* ins, void* const* outs) const override { std::memcpy(outs[0], ins[0], bytes_); }

 private:
  size_t bytes_;
};

// y[o] = x[offset + sum_d idx_d * stride_d] over the output index space (Transpose, Slice).
// Adjacent output axes that are adjacent in the input too are merged first. When the two
// innermost remaining axes are an input row swapped (output [.., A, B] reading input stride 1
// along A and A along B: NHWC -> NCHW is [C, H*W] from [H*W, C]), the copy goes in 32 x 32
// tiles, so both sides are read and written in runs that stay in L1; the row-by-row copy read
// the input with stride A (blazeface-back's 256x256x3 input: 0.24 ms, 4 % of the model).
class StridedCopyKernel : public Kernel {
 public:
  StridedCopyKernel(Dims out, Dims strides, int64_t offset, size_t elem) : off_(offset), elem_(elem) {
    for (size_t d = 0; d < out.size(); d++) {
      if (out[d] == 1) continue;  // walks nothing
      if (!out_.empty() && st_.back() == strides[d] * out[d]) {  // axis d continues the last one
        out_.back() *= out[d];
        st_.back() = strides[d];
      } else {
        out_.push_back(out[d]);
        st_.push_back(strides[d]);
      }
    }
  }
  void Run(const void* const* ins, void* const* outs) const override {
    switch (elem_) {
      case 1: Copy(static_cast<const int8_t*>(ins[0]), static_cast<int8_t*>(outs[0])); break;
      case 4: Copy(static_cast<const float*>(ins[0]), static_cast<float*>(outs[0])); break;
      default: Copy(static_cast<const int64_t*>(ins[0]), static_cast<int64_t*>(outs[0])); break;
    }
  }

 private:
  template <typename T>
  void Copy(const T* x, T* y) const {
    const size_t r = out_.size();
    const int64_t n = Numel(out_);
    if (n == 0) return;
    if (r == 0) {
      y[0] = x[off_];
      return;
    }
    // tiled: the last two axes are an input row [B][A] read as output [A][B]
    const bool tiled = r >= 2 && st_[r - 2] == 1 && st_[r - 1] == out_[r - 2] && out_[r - 2] > 1;
    const size_t outer_rank = tiled ? r - 2 : r - 1;  // axes walked by the index below
    const int64_t inner = tiled ? out_[r - 2] * out_[r - 1] : out_[r - 1], is = st_[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t off = off_;
    for (int64_t o = 0; o < n; o += inner) {
      if (tiled && out_[r - 2] <= 4) {
        // an RGB(A) image from NHWC: one pass over the input into A output rows
        const int64_t A = out_[r - 2], B = out_[r - 1];
        if (A == 2) Deinterleave<2>(x + off, B, y + o);
        else if (A == 3) Deinterleave<3>(x + off, B, y + o);
        else Deinterleave<4>(x + off, B, y + o);
      } else if (tiled) {
        const int64_t A = out_[r - 2], B = out_[r - 1];
        constexpr int64_t kTile = 32;
        for (int64_t b0 = 0; b0 < B; b0 += kTile) {
          const int64_t b1 = std::min(B, b0 + kTile);
          for (int64_t a0 = 0; a0 < A; a0 += kTile) {
            const int64_t a1 = std::min(A, a0 + kTile);
            for (int64_t a = a0; a < a1; a++) {
              T* yr = y + o + a * B;
              const T* xc = x + off + a;
              for (int64_t b = b0; b < b1; b++) yr[b] = xc[b * A];
            }
          }
        }
      } else {
        for (int64_t i = 0; i < inner; i++) y[o + i] = x[off + i * is];
      }
      for (size_t d = outer_rank; d-- > 0;) {
        idx[d]++;
        off += st_[d];
        if (idx[d] < out_[d]) break;
        off -= st_[d] * out_[d];
        idx[d] = 0;
      }
    }
  }
  // y[a*B + b] = x[b*A + a]: A fixed, so the a loop unrolls and the compiler vectorises the
  // interleaved loads (the 32 x 32 tiles ran 3-element rows: faceapi's 416x416x3 input 0.43 ms)
  template <int A, typename T>
  static void Deinterleave(const T* x, int64_t B, T* y) {
    for (int64_t b = 0; b < B; b++)
      for (int a = 0; a < A; a++) y[a * B + b] = x[b * A + a];
  }
  Dims out_, st_;  // merged output axes and their input strides
  int64_t off_;
  size_t elem_;
};

Dims StridesOf(const Dims& d) {
  Dims s(d.size(), 1);
  for (size_t i = d.size(); i-- > 1;) s[i - 1] = s[i] * d[i];
  return s;
}

Status ReshapeDims(const PrepCtx& c, const Dims& in, const Dims& shape, bool allow_zero, Dims* out) {
  Dims o = shape;
  int neg = 0;
  for (size_t i = 0; i < o.size(); i++) {
    if (o[i] == 0 && !allow_zero) {
      if (i >= in.size()) return c.Fail("shape " + DimsStr(shape) + ": 0 at position " + to_string(i) + " has no input dimension to copy");
      o[i] = in[i];
    }
    if (o[i] == -1) neg++;
    else if (o[i] < 0) return c.Fail("shape " + DimsStr(shape) + " has an invalid value");
  }
  if (neg > 1) return c.Fail("shape " + DimsStr(shape) + " has more than one -1");
  const int64_t total = Numel(in);
  if (neg == 1) {
    int64_t known = 1;
    for (int64_t v : o)
      if (v != -1) {
        if (v > (int64_t{1} << 40)) return c.Fail("shape " + DimsStr(shape) + " is too large");
        known *= v;
        if (known > (int64_t{1} << 40)) return c.Fail("shape " + DimsStr(shape) + " is too large");
      }
    if (known == 0 || total % known != 0) return c.Fail("cannot reshape " + DimsStr(in) + " to " + DimsStr(shape));
    for (int64_t& v : o)
      if (v == -1) v = total / known;
  }
  int64_t n = 1;
  for (int64_t v : o) {
    if (v > (int64_t{1} << 40) || (n > 0 && v > (int64_t{1} << 40) / n)) return c.Fail("shape " + DimsStr(shape) + " is too large");
    n *= v;
  }
  if (n != total) return c.Fail("cannot reshape " + DimsStr(in) + " (" + to_string(total) + " elements) to " + DimsStr(shape));
  *out = o;
  return Status::Ok();
}

}  // namespace

Status PrepareCopyLike(PrepCtx& c) {
  const std::string& t = c.fn.op_type;
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "data", &x, true));
  const Dims& in = x->dims;
  const int64_t r = static_cast<int64_t>(in.size());
  Dims out;
  if (t == "Identity") {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
    out = in;
  } else if (t == "Dropout") {  // inference: a copy; the mask output is not supported
    EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
    out = in;
  } else if (t == "Reshape") {
    Dims shape;
    if (c.opset < 5) {
      bool present = false;
      EQ_RETURN_IF_ERROR(c.AttrInts("shape", {}, &shape, &present));
      if (!present) return c.Fail("attribute shape is required before opset 5");
      EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    } else {
      EQ_RETURN_IF_ERROR(c.InputCount(2, 2));
      EQ_RETURN_IF_ERROR(c.ConstInts(1, "shape", &shape));
    }
    int64_t allow_zero = 0;
    if (c.opset >= 14) EQ_RETURN_IF_ERROR(c.AttrInt("allowzero", 0, &allow_zero));
    EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
    EQ_RETURN_IF_ERROR(ReshapeDims(c, in, shape, allow_zero != 0, &out));
  } else if (t == "Flatten") {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
    int64_t axis;
    EQ_RETURN_IF_ERROR(c.AttrInt("axis", 1, &axis));
    const int64_t min_axis = c.opset >= 11 ? -r : 0;
    if (axis < min_axis || axis > r) return c.Fail("axis " + to_string(axis) + " is out of range for rank " + to_string(r));
    if (axis < 0) axis += r;
    int64_t a = 1, b = 1;
    for (int64_t i = 0; i < r; i++) (i < axis ? a : b) *= in[i];
    out = {a, b};
  } else {  // Squeeze / Unsqueeze
    Dims axes;
    bool have = false;
    if (c.opset < 13) {
      EQ_RETURN_IF_ERROR(c.AttrInts("axes", {}, &axes, &have));
      EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
    } else {
      EQ_RETURN_IF_ERROR(c.InputCount(1, 2));
      if (c.HasInput(1)) {
        EQ_RETURN_IF_ERROR(c.ConstInts(1, "axes", &axes));
        have = true;
      }
    }
    EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
    if (t == "Squeeze") {
      if (!have || axes.empty()) {
        for (int64_t d : in)
          if (d != 1) out.push_back(d);
      } else {
        std::set<int64_t> drop;
        for (int64_t a : axes) {
          int64_t ax;
          EQ_RETURN_IF_ERROR(c.NormAxis(a, r, &ax));
          if (in[ax] != 1) return c.Fail("cannot squeeze axis " + to_string(a) + " of size " + to_string(in[ax]));
          drop.insert(ax);
        }
        for (int64_t i = 0; i < r; i++)
          if (!drop.count(i)) out.push_back(in[i]);
      }
    } else {
      if (!have) return c.Fail("axes are required");
      const int64_t orank = r + static_cast<int64_t>(axes.size());
      if (orank > 8) return c.Unsup("rank above 8");
      std::set<int64_t> ins;
      for (int64_t a : axes) {
        int64_t ax;
        EQ_RETURN_IF_ERROR(c.NormAxis(a, orank, &ax));
        if (ins.count(ax)) return c.Fail("axis " + to_string(a) + " is repeated");
        ins.insert(ax);
      }
      size_t j = 0;
      for (int64_t i = 0; i < orank; i++) out.push_back(ins.count(i) ? 1 : in[j++]);
    }
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, x->dtype));
  c.SetKernel(std::make_shared<CopyKernel>(x->bytes()), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

Status PrepareTranspose(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  EQ_RETURN_IF_ERROR(c.Req(0, "data", &x, true));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const int64_t r = static_cast<int64_t>(x->dims.size());
  Dims dflt;
  for (int64_t i = r - 1; i >= 0; i--) dflt.push_back(i);
  Dims perm;
  EQ_RETURN_IF_ERROR(c.AttrInts("perm", dflt, &perm));
  std::set<int64_t> seen(perm.begin(), perm.end());
  if (static_cast<int64_t>(perm.size()) != r || static_cast<int64_t>(seen.size()) != r)
    return c.Fail("perm " + DimsStr(perm) + " is not a permutation of " + to_string(r) + " axes");
  for (int64_t p : perm)
    if (p < 0 || p >= r) return c.Fail("perm " + DimsStr(perm) + " is not a permutation of " + to_string(r) + " axes");
  const Dims in_st = StridesOf(x->dims);
  Dims out, st;
  for (int64_t p : perm) {
    out.push_back(x->dims[p]);
    st.push_back(in_st[p]);
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, x->dtype));
  // moving only unit axes keeps the memory order: a plain copy (e.g. NHWC -> NCHW with C = 1)
  int64_t last = -1;
  bool in_order = true;
  for (int64_t p : perm) {
    if (x->dims[p] == 1) continue;
    if (p < last) in_order = false;
    last = p;
  }
  if (in_order) {
    c.SetKernel(std::make_shared<CopyKernel>(x->bytes()), static_cast<uint64_t>(x->numel));
    return Status::Ok();
  }
  c.SetKernel(std::make_shared<StridedCopyKernel>(out, st, 0, ElemSize(x->dtype)), static_cast<uint64_t>(x->numel));
  return Status::Ok();
}

Status PrepareSlice(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "data", &x, true));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  Dims starts, ends, axes, steps;
  bool have_axes = false, have_steps = false;
  if (c.opset < 10) {
    bool hs = false, he = false;
    EQ_RETURN_IF_ERROR(c.AttrInts("starts", {}, &starts, &hs));
    EQ_RETURN_IF_ERROR(c.AttrInts("ends", {}, &ends, &he));
    EQ_RETURN_IF_ERROR(c.AttrInts("axes", {}, &axes, &have_axes));
    if (!hs || !he) return c.Fail("attributes starts and ends are required before opset 10");
    EQ_RETURN_IF_ERROR(c.InputCount(1, 1));
  } else {
    EQ_RETURN_IF_ERROR(c.InputCount(3, 5));
    EQ_RETURN_IF_ERROR(c.ConstInts(1, "starts", &starts));
    EQ_RETURN_IF_ERROR(c.ConstInts(2, "ends", &ends));
    if (c.HasInput(3)) {
      EQ_RETURN_IF_ERROR(c.ConstInts(3, "axes", &axes));
      have_axes = true;
    }
    if (c.HasInput(4)) {
      EQ_RETURN_IF_ERROR(c.ConstInts(4, "steps", &steps));
      have_steps = true;
    }
  }
  const size_t n = starts.size();
  const int64_t r = static_cast<int64_t>(x->dims.size());
  if (ends.size() != n) return c.Fail("starts and ends differ in length");
  if (!have_axes) {
    axes.clear();
    for (size_t i = 0; i < n; i++) axes.push_back(static_cast<int64_t>(i));
  }
  if (!have_steps) steps.assign(n, 1);
  if (axes.size() != n || steps.size() != n) return c.Fail("starts, ends, axes and steps must have the same length");
  Dims out = x->dims, st(static_cast<size_t>(r), 0), sp(static_cast<size_t>(r), 1);
  std::set<int64_t> seen;
  for (size_t i = 0; i < n; i++) {
    int64_t ax;
    EQ_RETURN_IF_ERROR(c.NormAxis(axes[i], r, &ax));
    if (seen.count(ax)) return c.Fail("axis " + to_string(ax) + " is repeated in axes");
    seen.insert(ax);
    const int64_t d = x->dims[ax];
    const int64_t step = steps[i];
    if (step == 0) return c.Fail("steps must not be 0");
    if (step < -(int64_t{1} << 40) || step > (int64_t{1} << 40)) return c.Unsup("step is too large");
    // starts/ends may be the INT64_MAX/INT64_MIN sentinels
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += d;  // cannot overflow: d >= 0
    if (e < 0) e += d;
    if (step > 0) {
      s = std::min(std::max<int64_t>(s, 0), d);
      e = std::min(std::max<int64_t>(e, 0), d);
    } else {
      s = std::min(std::max<int64_t>(s, 0), d - 1);
      e = std::min(std::max<int64_t>(e, -1), d - 1);
    }
    int64_t len = 0;
    if (step > 0 && e > s) len = (e - s + step - 1) / step;
    if (step < 0 && s > e) len = (s - e + (-step) - 1) / (-step);
    out[ax] = len;
    st[ax] = s;
    sp[ax] = step;
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, x->dtype));
  const Dims xs = StridesOf(x->dims);
  Dims step_st(static_cast<size_t>(r));
  int64_t off = 0;
  for (int64_t i = 0; i < r; i++) {
    step_st[i] = xs[i] * sp[i];
    off += st[i] * xs[i];
  }
  c.SetKernel(std::make_shared<StridedCopyKernel>(out, step_st, off, ElemSize(x->dtype)), static_cast<uint64_t>(Numel(out)));
  return Status::Ok();
}

namespace {

class ConcatKernel : public Kernel {
 public:
  ConcatKernel(std::vector<size_t> rows, size_t outer, size_t row_out) : rows_(std::move(rows)), outer_(outer), row_out_(row_out) {}
  void Run(const void* const* ins, void* const* outs) const override {
    uint8_t* y = static_cast<uint8_t*>(outs[0]);
    size_t off = 0;
    for (size_t k = 0; k < rows_.size(); k++) {
      const uint8_t* x = static_cast<const uint8_t*>(ins[k]);
      for (size_t o = 0; o < outer_; o++) std::memcpy(y + o * row_out_ + off, x + o * rows_[k], rows_[k]);
      off += rows_[k];
    }
  }

 private:
  std::vector<size_t> rows_;  // bytes per outer block, per input
  size_t outer_, row_out_;
};

}  // namespace

Status PrepareConcat(PrepCtx& c) {
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  if (c.fn.inputs.empty()) return c.Fail("needs at least one input");
  std::vector<const TensorInfo*> xs;
  for (size_t i = 0; i < c.fn.inputs.size(); i++) {
    const TensorInfo* t;
    EQ_RETURN_IF_ERROR(c.Req(i, "input", &t, true));
    xs.push_back(t);
  }
  const Dims& first = xs[0]->dims;
  const int64_t r = static_cast<int64_t>(first.size());
  if (r == 0) return c.Fail("cannot concatenate scalars");
  if (!c.fn.FindAttr("axis") && c.opset >= 4) return c.Fail("attribute axis is required");
  int64_t axis_attr, axis;
  EQ_RETURN_IF_ERROR(c.AttrInt("axis", 1, &axis_attr));
  EQ_RETURN_IF_ERROR(c.NormAxis(axis_attr, r, &axis));
  Dims out = first;
  out[axis] = 0;
  for (const TensorInfo* t : xs) {
    if (t->dtype != xs[0]->dtype) return c.Fail("inputs have different types");
    if (static_cast<int64_t>(t->dims.size()) != r) return c.Fail("inputs differ in rank");
    for (int64_t i = 0; i < r; i++)
      if (i != axis && t->dims[i] != first[i]) return c.Fail("input shapes differ outside the concat axis");
    out[axis] += t->dims[axis];
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, xs[0]->dtype));
  size_t outer = 1, inner = ElemSize(xs[0]->dtype);
  for (int64_t i = 0; i < axis; i++) outer *= static_cast<size_t>(out[i]);
  for (int64_t i = axis + 1; i < r; i++) inner *= static_cast<size_t>(out[i]);
  std::vector<size_t> rows;
  for (const TensorInfo* t : xs) rows.push_back(static_cast<size_t>(t->dims[axis]) * inner);
  c.SetKernel(std::make_shared<ConcatKernel>(rows, outer, static_cast<size_t>(out[axis]) * inner), static_cast<uint64_t>(Numel(out)));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
