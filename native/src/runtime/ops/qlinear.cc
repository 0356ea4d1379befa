// qlinear: a quantized Conv or Gemm (int32 accumulation, per-channel multipliers, int8 or
// float32 output). Run() goes through the LinearLayer the session prepared for this op.
#include <algorithm>
#include <cmath>

#include "format/checked_math.h"
#include "format/eqm_format.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

using std::to_string;

// An input zero offset z is folded into the bias by the writer (sum_k w * (x + z) = acc +
// z * sum_k w), which holds only if every tap reads a stored value v with v + z the real input:
// padded taps must read -z (the real 0). The depthwise kernels pad with QLinearParams::pad =
// -z; the GEMM / Winograd / AMX paths pad with 0, so other layers with an offset input must
// have no padding on any side.
Status CheckInputZero(OpParser& p, const LinearGeom& g, const TensorInfo& in) {
  if (in.zero == 0 || !g.conv || IsDepthwise(g)) return Status::Ok();
  // rows / columns the windows reach, counted from the top / left padding edge
  const uint64_t reach_h = static_cast<uint64_t>(g.outH - 1) * g.sh + static_cast<uint64_t>(g.kh - 1) * g.dh + 1;
  const uint64_t reach_w = static_cast<uint64_t>(g.outW - 1) * g.sw + static_cast<uint64_t>(g.kw - 1) * g.dw + 1;
  if (g.padT != 0 || g.padL != 0 || reach_h > g.inH || reach_w > g.inW)
    return p.Invalid("input '" + in.name + "' has zero offset " + to_string(in.zero) + ", which a padded convolution cannot fold into its bias");
  return Status::Ok();
}

Status Parse(OpParser& p, Op* op) {
  ByteReader& r = p.r;
  const Model& m = p.model;
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", 0, &out));
  QLinearParams& q = op->ql;
  LinearGeom& g = q.g;
  const uint8_t lk = r.U8("linear kind");
  q.int_out = r.U8("int output") != 0;
  q.has_act = r.U8("float act") != 0;
  r.U8("reserved");
  uint32_t* fields[] = {&g.cin, &g.cout, &g.group, &g.kh, &g.kw, &g.sh, &g.sw, &g.dh, &g.dw,
                        &g.padT, &g.padL, &g.inH, &g.inW, &g.outH, &g.outW, &g.K, &g.P};
  for (uint32_t* f : fields) *f = r.U32("geometry");
  q.lo = r.I32("lo");
  q.hi = r.I32("hi");
  q.out_scale = r.F32("output scale");
  q.act_min = r.F64("act min");
  q.act_max = r.F64("act max");
  if (!r.ok()) return p.Truncated();
  if (lk != 1 && lk != 2) return p.Invalid("unknown linear kind " + to_string(lk));
  g.conv = lk == 1;
  for (uint32_t* f : fields)
    if (*f > eqm::kMaxDim) return p.Invalid("geometry value " + to_string(*f) + " is out of range");
  if (g.cin < 1 || g.cout < 1 || g.group < 1 || g.cin % g.group != 0 || g.cout % g.group != 0)
    return p.Invalid("channels " + to_string(g.cin) + "/" + to_string(g.cout) + " do not divide into " + to_string(g.group) + " groups");
  if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) return p.Invalid("kernel, strides and dilations must be positive");
  if (g.K < 1 || g.K > eqm::kMaxFanIn) return p.Invalid("fan-in " + to_string(g.K) + " is out of range");
  if (g.P < 1) return p.Invalid("no output positions");
  uint64_t want_in = 0, tmp = 0;
  if (g.conv) {
    if (!MulWithin(static_cast<uint64_t>(g.cin / g.group) * g.kh, g.kw, eqm::kMaxFanIn, &tmp) || tmp != g.K)
      return p.Invalid("fan-in K does not match (cin/group)*kh*kw");
    if (!MulWithin(g.outH, g.outW, eqm::kMaxElements, &tmp) || tmp != g.P) return p.Invalid("P does not match outH*outW");
    if (!MulWithin(static_cast<uint64_t>(g.cin) * g.inH, g.inW, eqm::kMaxElements, &want_in))
      return p.Invalid("input geometry is too large");
  } else {
    if (g.group != 1 || g.K != g.cin) return p.Invalid("invalid gemm geometry");
    if (!MulWithin(g.P, g.K, eqm::kMaxElements, &want_in)) return p.Invalid("input geometry is too large");
  }
  if (static_cast<uint64_t>(p.Numel(in)) != want_in)
    return p.Invalid("input has " + to_string(p.Numel(in)) + " elements, the geometry expects " + to_string(want_in));
  if (!MulWithin(g.cout, g.P, eqm::kMaxElements, &tmp) || static_cast<uint64_t>(p.Numel(out)) != tmp)
    return p.Invalid("output has " + to_string(p.Numel(out)) + " elements, the geometry expects cout*P");
  const TensorInfo& ot = m.tensors[out];
  if (ot.dtype != (q.int_out ? DType::kI8 : DType::kF32)) return p.Invalid("output dtype does not match the output kind");
  // every int8 value stays within [-qmax, qmax]: the SIMD kernels' exactness (int16
  // intermediates at INT7, offset tricks) relies on it
  const int32_t qmax = op->qmax;
  if (q.int_out && (q.lo < -qmax || q.lo > qmax || q.hi < -qmax || q.hi > qmax))
    return p.Invalid("lo/hi are outside [-qmax, qmax]");
  if (q.has_act && (std::isnan(q.act_min) || std::isnan(q.act_max))) return p.Invalid("NaN activation bounds");
  EQ_RETURN_IF_ERROR(CheckInputZero(p, g, m.tensors[in]));
  q.pad = static_cast<int8_t>(-m.tensors[in].zero);  // zero is 0..127 (loader), so -zero fits
  q.zero = ot.zero;  // int8 output: subtracted after rounding (OutputStage::zero)
  const uint8_t *pw = nullptr, *pb = nullptr, *pm = nullptr, *pt = nullptr;
  const uint64_t cout = g.cout;
  if (!p.ReadBlob(cout * g.K, &pw) || !p.ReadBlob(cout * 4, &pb) || !p.ReadBlob(cout * 4, &pm) || !p.ReadBlob(cout * 8, &pt))
    return r.ok() ? p.Invalid("parameter data is outside the data section, has the wrong size or reuses other data") : p.Truncated();
  q.weights.resize(cout * g.K);
  q.bias.resize(cout);
  q.mult.resize(cout);
  q.tap_mult.resize(cout);
  DecodeLE(pw, q.weights.size(), 1, reinterpret_cast<uint8_t*>(q.weights.data()));
  DecodeLE(pb, cout, 4, reinterpret_cast<uint8_t*>(q.bias.data()));
  DecodeLE(pm, cout, 4, reinterpret_cast<uint8_t*>(q.mult.data()));
  DecodeLE(pt, cout, 8, reinterpret_cast<uint8_t*>(q.tap_mult.data()));
  for (size_t i = 0; i < q.weights.size(); i++)
    if (q.weights[i] < -qmax || q.weights[i] > qmax)
      return p.Invalid("weight " + to_string(i) + " = " + to_string(q.weights[i]) + " is outside [-qmax, qmax]");
  for (uint32_t c = 0; c < g.cout; c++)
    if (!std::isfinite(q.mult[c]) || !std::isfinite(q.tap_mult[c])) return p.Invalid("multiplier of channel " + to_string(c) + " is not finite");
  uint64_t cols = 0, work = 0;
  if (!MulWithin(g.K, g.P, eqm::kMaxScratchBytes, &cols)) return p.Unsup("im2col buffer K*P is too large");
  if (!MulWithin(cols, g.cout, eqm::kMaxWork, &work)) return p.Unsup("the layer needs more than 2^36 multiply-adds");
  op->work = work;
  p.model.max_cols_bytes = std::max<size_t>(p.model.max_cols_bytes, cols);
  p.model.max_acc_bytes = std::max<size_t>(p.model.max_acc_bytes, static_cast<size_t>(g.cout / g.group) * g.P * 4);
  return Connect(p, op, in, out);
}

Status Run(const OpRunCtx& c, const Op& op) {
  if (!c.layer) return RuntimeError("layer '" + op.name + "' was not prepared");
  return c.layer->Run(c.Ptr<const int8_t>(op.inputs[0]), c.Ptr<void>(op.output), c.tap, c.pool, c.ws);
}

}  // namespace

extern const OpDef kQLinear = {OpKind::kQLinear, "qlinear", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq

