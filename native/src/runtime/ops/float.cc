// float: an FP32 fallback node (the ONNX op type, its attributes and tensors). The node is
// validated and its kernel created by fallback::Prepare once every tensor is known.
#include <cmath>
#include <string>
#include <vector>

#include "fallback/fp32_ops.h"
#include "format/eqm_format.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

using std::to_string;

Status Parse(OpParser& p, Op* op) {
  ByteReader& r = p.r;
  FloatNode& fn = op->fn;
  if (!p.ReadString(&fn.op_type) || !p.ReadString(&fn.domain)) return r.ok() ? p.Invalid("string outside the strings section") : p.Truncated();
  fn.act = r.U8("activation");
  r.Skip(3, "reserved");
  fn.act_min = r.F64("act min");
  fn.act_max = r.F64("act max");
  const uint32_t nin = r.U32("input count");
  if (!r.ok()) return p.Truncated();
  if (fn.act > 2 || std::isnan(fn.act_min) || std::isnan(fn.act_max)) return p.Invalid("invalid fused activation");
  if (nin > eqm::kMaxList || static_cast<uint64_t>(nin) * 4 > r.remaining()) return p.Invalid("invalid input count");
  const int64_t nt = static_cast<int64_t>(p.model.tensors.size());
  for (uint32_t i = 0; i < nin; i++) {
    const int32_t v = r.I32("input");
    if (v < -1 || v >= nt) return p.Invalid("input index " + to_string(v) + " is out of range");
    if (v >= 0) EQ_RETURN_IF_ERROR(p.Use(v));
    fn.inputs.push_back(v);
  }
  const uint32_t nout = r.U32("output count");
  if (!r.ok()) return p.Truncated();
  if (nout > eqm::kMaxList || static_cast<uint64_t>(nout) * 4 > r.remaining()) return p.Invalid("invalid output count");
  for (uint32_t i = 0; i < nout; i++) {
    const int32_t v = r.I32("output");
    if (v < -1 || v >= nt) return p.Invalid("output index " + to_string(v) + " is out of range");
    if (v >= 0) EQ_RETURN_IF_ERROR(p.Produce(v));
    fn.outputs.push_back(v);
  }
  const uint32_t nattr = r.U32("attribute count");
  if (!r.ok()) return p.Truncated();
  if (nattr > eqm::kMaxList || static_cast<uint64_t>(nattr) * 9 > r.remaining()) return p.Invalid("invalid attribute count");
  for (uint32_t i = 0; i < nattr; i++) {
    Attr a;
    if (!p.ReadString(&a.name)) return r.ok() ? p.Invalid("attribute name outside the strings section") : p.Truncated();
    const uint8_t type = r.U8("attribute type");
    if (!r.ok()) return p.Truncated();
    a.type = static_cast<Attr::Type>(type);
    if (type == Attr::kNumber) {
      a.number = r.F64("attribute value");
    } else if (type == Attr::kString) {
      if (!p.ReadString(&a.str)) return r.ok() ? p.Invalid("attribute string outside the strings section") : p.Truncated();
    } else if (type == Attr::kNumbers || type == Attr::kStrings) {
      const uint32_t n = r.U32("attribute length");
      if (!r.ok()) return p.Truncated();
      if (n > eqm::kMaxList || static_cast<uint64_t>(n) * 8 > r.remaining()) return p.Invalid("attribute '" + a.name + "' is too long");
      for (uint32_t j = 0; j < n; j++) {
        if (type == Attr::kNumbers) {
          a.numbers.push_back(r.F64("attribute value"));
        } else {
          std::string s;
          if (!p.ReadString(&s)) return r.ok() ? p.Invalid("attribute string outside the strings section") : p.Truncated();
          a.strings.push_back(std::move(s));
        }
      }
    } else {
      return p.Invalid("attribute '" + a.name + "' has unknown type " + to_string(type));
    }
    if (!r.ok()) return p.Truncated();
    fn.attrs.push_back(std::move(a));
  }
  return NoZeroOffsets(p, *op);  // the FP32 kernels read no int8 tensor with an offset
}

Status Run(const OpRunCtx& c, const Op& op) {
  const FloatNode& fn = op.fn;
  std::vector<const void*> ins(fn.inputs.size(), nullptr);
  std::vector<void*> outs(fn.outputs.size(), nullptr);
  for (size_t i = 0; i < ins.size(); i++) ins[i] = fn.inputs[i] >= 0 ? c.ptrs[fn.inputs[i]] : nullptr;
  for (size_t i = 0; i < outs.size(); i++) outs[i] = fn.outputs[i] >= 0 ? c.ptrs[fn.outputs[i]] : nullptr;
  fn.kernel->RunPool(ins.data(), outs.data(), c.isa, c.pool);
  if (fn.act != 0) fallback::ApplyActivation(fn, static_cast<float*>(outs[0]), c.Numel(fn.outputs[0]));
  return Status::Ok();
}

}  // namespace

extern const OpDef kFloat = {OpKind::kFloat, "float", Parse, fallback::Prepare, Run};

}  // namespace ops
}  // namespace eq
