// Dispatch of FP32 fallback nodes by op type, attribute access and window geometry.
#include <algorithm>
#include <cstring>
#include <limits>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {

using std::to_string;

namespace {
constexpr int64_t kMaxGeom = 1 << 24;  // kernel, stride, dilation, pad values
}

std::string DimsStr(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); i++) s += (i ? "," : "") + to_string(d[i]);
  return s + "]";
}

bool ToInt(double v, int64_t* out) {
  if (std::isnan(v)) return false;
  if (v >= 9.2e18) {
    *out = std::numeric_limits<int64_t>::max();
    return true;
  }
  if (v <= -9.2e18) {
    *out = std::numeric_limits<int64_t>::min();
    return true;
  }
  if (v != std::trunc(v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

PrepCtx::PrepCtx(const Model& m, Op* o)
    : model(m), op(o), fn(o->fn), opset(static_cast<int>(m.opset)), where("node '" + o->name + "' (" + o->fn.op_type + ")") {}

Status PrepCtx::Req(size_t i, const char* what, const TensorInfo** t, bool any_dtype, DType dt) const {
  const TensorInfo* x = Input(i);
  if (!x) return Fail(std::string("input ") + to_string(i) + " (" + what + ") is missing");
  if (!any_dtype && x->dtype != dt)
    return Unsup(std::string("input ") + to_string(i) + " (" + what + ") is " + DTypeName(x->dtype) + ", expected " + DTypeName(dt));
  *t = x;
  return Status::Ok();
}

Status PrepCtx::CheckOutput(size_t i, const Dims& dims, DType dt) const {
  const TensorInfo* y = Output(i);
  if (!y) return Fail("output " + to_string(i) + " is missing");
  if (y->dtype != dt) return Fail("output " + to_string(i) + " is " + DTypeName(y->dtype) + ", expected " + DTypeName(dt));
  if (y->dims != dims) return Fail("output '" + y->name + "' has shape " + DimsStr(y->dims) + ", the op produces " + DimsStr(dims));
  return Status::Ok();
}

Status PrepCtx::OnlyOutputs(size_t n) const {
  for (size_t i = n; i < fn.outputs.size(); i++)
    if (fn.outputs[i] >= 0) return Unsup("output " + to_string(i) + " is not supported");
  return Status::Ok();
}

Status PrepCtx::InputCount(size_t lo, size_t hi) const {
  size_t n = fn.inputs.size();
  while (n > 0 && fn.inputs[n - 1] < 0) n--;
  if (n < lo || n > hi) return Fail("has " + to_string(n) + " inputs, expected " + to_string(lo) + (hi != lo ? ".." + to_string(hi) : ""));
  return Status::Ok();
}

Status PrepCtx::AttrInt(const char* name, int64_t dflt, int64_t* v) const {
  const Attr* a = fn.FindAttr(name);
  if (!a) {
    *v = dflt;
    return Status::Ok();
  }
  if (a->type != Attr::kNumber || !ToInt(a->number, v)) return Fail(std::string("attribute ") + name + " is not an integer");
  return Status::Ok();
}

Status PrepCtx::AttrInts(const char* name, const Dims& dflt, Dims* v, bool* present) const {
  const Attr* a = fn.FindAttr(name);
  if (present) *present = a != nullptr;
  if (!a) {
    *v = dflt;
    return Status::Ok();
  }
  if (a->type != Attr::kNumbers) return Fail(std::string("attribute ") + name + " is not a list of integers");
  v->clear();
  for (double d : a->numbers) {
    int64_t x;
    if (!ToInt(d, &x)) return Fail(std::string("attribute ") + name + " is not a list of integers");
    v->push_back(x);
  }
  return Status::Ok();
}

Status PrepCtx::AttrFloat(const char* name, double dflt, double* v) const {
  const Attr* a = fn.FindAttr(name);
  if (!a) {
    *v = dflt;
    return Status::Ok();
  }
  if (a->type != Attr::kNumber) return Fail(std::string("attribute ") + name + " is not a number");
  *v = a->number;
  return Status::Ok();
}

Status PrepCtx::AttrString(const char* name, const std::string& dflt, std::string* v) const {
  const Attr* a = fn.FindAttr(name);
  if (!a) {
    *v = dflt;
    return Status::Ok();
  }
  if (a->type != Attr::kString) return Fail(std::string("attribute ") + name + " is not a string");
  *v = a->str;
  return Status::Ok();
}

Status PrepCtx::ConstInts(size_t i, const char* what, Dims* v) const {
  const TensorInfo* t = Input(i);
  if (!t) return Fail(std::string("input ") + to_string(i) + " (" + what + ") is missing");
  if (t->kind != TensorKind::kConstant) return Unsup(std::string("input ") + what + " must be a constant");
  if (t->dtype != DType::kI64) return Unsup(std::string("input ") + what + " must be int64");
  if (t->dims.size() != 1) return Fail(std::string("input ") + what + " must be 1-D, got " + DimsStr(t->dims));
  v->resize(static_cast<size_t>(t->numel));
  if (t->numel > 0) std::memcpy(v->data(), t->data.data(), t->bytes());
  return Status::Ok();
}

Status PrepCtx::NormAxis(int64_t axis, int64_t rank, int64_t* out) const {
  if (axis < -rank || axis >= rank) return Fail("axis " + to_string(axis) + " is out of range for rank " + to_string(rank));
  *out = axis < 0 ? axis + rank : axis;
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------
namespace {

struct AxisGeom {
  int64_t out, pb, pe;
};

Status Axis(const PrepCtx& c, int64_t in_len, int64_t k, int64_t s, int64_t d, int64_t pad_b, int64_t pad_e, const std::string& auto_pad, bool ceil_mode,
            AxisGeom* r) {
  const int64_t dk = d * (k - 1) + 1;
  int64_t out;
  int64_t pb = pad_b, pe = pad_e;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    out = (in_len + s - 1) / s;
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + dk - in_len);
    pb = auto_pad == "SAME_LOWER" ? (total + 1) / 2 : total / 2;
    pe = total - pb;
  } else {
    if (auto_pad == "VALID") pb = pe = 0;
    const int64_t span = in_len + pb + pe - dk;
    if (span < 0) return c.Fail("kernel extent " + to_string(dk) + " is larger than the padded input " + to_string(in_len + pb + pe));
    if (ceil_mode) {
      out = (span + s - 1) / s + 1;
      if ((out - 1) * s >= in_len + pb) out--;
    } else {
      out = span / s + 1;
    }
  }
  if (out < 1) return c.Fail("output size " + to_string(out) + " is not positive");
  *r = AxisGeom{out, pb, pe};
  return Status::Ok();
}

Status SpatialAttr(const PrepCtx& c, const char* name, int sr, int64_t dflt, int64_t out[2]) {
  Dims v;
  EQ_RETURN_IF_ERROR(c.AttrInts(name, Dims(static_cast<size_t>(sr), dflt), &v));
  if (static_cast<int>(v.size()) != sr) return c.Fail(std::string("attribute ") + name + " has " + to_string(v.size()) + " values, expected " + to_string(sr));
  if (sr == 1) {
    out[0] = dflt;
    out[1] = v[0];
  } else {
    out[0] = v[0];
    out[1] = v[1];
  }
  return Status::Ok();
}

}  // namespace

Status WindowGeom(const PrepCtx& c, const Dims& x, const WindowOpts& o, Window* g) {
  const size_t rank = x.size();
  if (rank != 3 && rank != 4) return c.Unsup("input must be 3-D or 4-D (N,C,[H,]W), got " + DimsStr(x));
  const int sr = static_cast<int>(rank) - 2;
  g->spatial_rank = sr;
  g->N = x[0];
  g->C = x[1];
  g->H = sr == 1 ? 1 : x[2];
  g->W = x[rank - 1];
  int64_t ks[2];
  if (c.fn.FindAttr("kernel_shape")) {
    EQ_RETURN_IF_ERROR(SpatialAttr(c, "kernel_shape", sr, 1, ks));
    if (o.kernel && (o.kernel[0] != ks[0] || o.kernel[1] != ks[1])) return c.Fail("kernel_shape does not match the weight shape");
  } else if (o.kernel) {
    ks[0] = o.kernel[0];
    ks[1] = o.kernel[1];
  } else {
    return c.Fail("attribute kernel_shape is required");
  }
  int64_t st[2], dl[2] = {1, 1};
  EQ_RETURN_IF_ERROR(SpatialAttr(c, "strides", sr, 1, st));
  if (o.allow_dilations) EQ_RETURN_IF_ERROR(SpatialAttr(c, "dilations", sr, 1, dl));
  Dims pads_attr;
  EQ_RETURN_IF_ERROR(c.AttrInts("pads", Dims(static_cast<size_t>(2 * sr), 0), &pads_attr));
  if (static_cast<int>(pads_attr.size()) != 2 * sr) return c.Fail("attribute pads has " + to_string(pads_attr.size()) + " values");
  const Dims pads = sr == 1 ? Dims{0, pads_attr[0], 0, pads_attr[1]} : pads_attr;
  for (int64_t p : pads)
    if (p < 0 || p > kMaxGeom) return c.Unsup("pads " + DimsStr(pads_attr) + " are not supported");
  for (int64_t v : {ks[0], ks[1], st[0], st[1], dl[0], dl[1]})
    if (v < 1 || v > kMaxGeom) return c.Fail("kernel, strides and dilations must be positive (and below 2^24)");
  std::string auto_pad;
  EQ_RETURN_IF_ERROR(c.AttrString("auto_pad", "NOTSET", &auto_pad));
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID") return c.Fail("unknown auto_pad '" + auto_pad + "'");
  AxisGeom gh{1, 0, 0}, gw;
  if (sr == 2) EQ_RETURN_IF_ERROR(Axis(c, g->H, ks[0], st[0], dl[0], pads[0], pads[2], auto_pad, o.ceil_mode, &gh));
  EQ_RETURN_IF_ERROR(Axis(c, g->W, ks[1], st[1], dl[1], pads[1], pads[3], auto_pad, o.ceil_mode, &gw));
  g->kh = ks[0];
  g->kw = ks[1];
  g->sh = st[0];
  g->sw = st[1];
  g->dh = dl[0];
  g->dw = dl[1];
  g->pt = gh.pb;
  g->pb = gh.pe;
  g->pl = gw.pb;
  g->pr = gw.pe;
  g->OH = gh.out;
  g->OW = gw.out;
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------
Status Prepare(const Model& model, Op* op) {
  PrepCtx c(model, op);
  const std::string& t = op->fn.op_type;
  if (!op->fn.domain.empty() && op->fn.domain != "ai.onnx") return c.Unsup("domain '" + op->fn.domain + "' is not supported");
  Status st;
  if (t == "Exp" || t == "Relu" || t == "Sigmoid" || t == "Sqrt" || t == "Clip") st = PrepareUnary(c);
  else if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div" || t == "PRelu" || t == "Pow") st = PrepareBinary(c);
  else if (t == "Reshape" || t == "Flatten" || t == "Squeeze" || t == "Unsqueeze" || t == "Identity" || t == "Dropout") st = PrepareCopyLike(c);
  else if (t == "Transpose") st = PrepareTranspose(c);
  else if (t == "Slice") st = PrepareSlice(c);
  else if (t == "Concat") st = PrepareConcat(c);
  else if (t == "Softmax") st = PrepareSoftmax(c);
  else if (t == "MaxPool" || t == "AveragePool") st = PreparePool(c);
  else if (t == "GlobalAveragePool" || t == "GlobalMaxPool") st = PrepareGlobalPool(c);
  else if (t == "Conv") st = PrepareConv(c);
  else if (t == "Gemm") st = PrepareGemm(c);
  else if (t == "MatMul") st = PrepareMatMul(c);
  else if (t == "HardSigmoid") st = PrepareHardSigmoid(c);
  else if (t == "BatchNormalization") st = PrepareBatchNorm(c);
  else if (t == "ConvTranspose") st = PrepareConvTranspose(c);
  else if (t == "Resize") st = PrepareResize(c);
  else if (t == "LeakyRelu") st = PrepareLeakyRelu(c);
  else if (t == "HardSwish") st = PrepareHardSwish(c);
  else if (t == "Max" || t == "Min") st = PrepareMinMax(c);
  else if (t == "Pad") st = PreparePad(c);
  else if (t == "Split") st = PrepareSplit(c);
  else if (t == "ReduceMean") st = PrepareReduceMean(c);
  else if (t == "Equal" || t == "GreaterOrEqual" || t == "LessOrEqual") st = PrepareEqual(c);
  else if (t == "Cast") st = PrepareCast(c);
  else if (t == "ReduceMax") st = PrepareReduceMax(c);
  else if (t == "Log") st = PrepareLog(c);
  else return c.Unsup("FP32 fallback op '" + t + "' is not implemented by the native runtime");
  EQ_RETURN_IF_ERROR(st);
  if (!op->fn.kernel) return c.Fail("no kernel was created");
  if (op->fn.act != 0) {
    const TensorInfo* y = c.Output(0);
    if (!y || y->dtype != DType::kF32) return c.Fail("a fused activation needs a float32 output");
  }
  return Status::Ok();
}

void ApplyActivation(const FloatNode& fn, float* y, size_t n) {
  if (fn.act == 0) return;
  const double lo = fn.act == 1 ? 0.0 : fn.act_min;
  const double hi = fn.act == 1 ? std::numeric_limits<double>::infinity() : fn.act_max;
  for (size_t i = 0; i < n; i++) {
    const double v = y[i];
    y[i] = v < lo ? static_cast<float>(lo) : v > hi ? static_cast<float>(hi) : y[i];
  }
}

}  // namespace fallback
}  // namespace eq
