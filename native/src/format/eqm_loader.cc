#include "format/eqm_loader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "fallback/fp32_ops.h"
#include "format/byte_reader.h"
#include "format/crc32.h"
#include "format/eqm_format.h"

namespace eq {

const char* OpKindName(OpKind k) {
  switch (k) {
    case OpKind::kQuantize: return "quantize";
    case OpKind::kDequantize: return "dequantize";
    case OpKind::kRequantize: return "requantize";
    case OpKind::kQLinear: return "qlinear";
    case OpKind::kQMaxPool: return "qmaxpool";
    case OpKind::kQAvgPool: return "qavgpool";
    case OpKind::kQRelu: return "qrelu";
    case OpKind::kQReshape: return "qreshape";
    case OpKind::kQConcat: return "qconcat";
    case OpKind::kQAdd: return "qadd";
    case OpKind::kFloat: return "float";
  }
  return "?";
}

namespace {

using std::to_string;

struct Range {
  size_t off = 0;
  size_t size = 0;
  bool present = false;
};

bool HostIsLittleEndian() {
  const uint16_t one = 1;
  uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

// Copies n little-endian elements of elem_size bytes into host order.
void DecodeLE(const uint8_t* src, size_t n, size_t elem_size, uint8_t* dst) {
  if (n == 0) return;  // empty constants have no buffer (memcpy with null is undefined)
  if (elem_size == 1 || HostIsLittleEndian()) {
    std::memcpy(dst, src, n * elem_size);
    return;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < elem_size; b++) dst[i * elem_size + b] = src[i * elem_size + (elem_size - 1 - b)];
}

bool IsFinite(double v) { return std::isfinite(v); }
bool PositiveFinite(double v) { return std::isfinite(v) && v > 0; }

// Checked product of non-negative factors; false when it exceeds limit.
bool MulWithin(uint64_t a, uint64_t b, uint64_t limit, uint64_t* out) {
  if (a != 0 && b > limit / a) return false;
  *out = a * b;
  return *out <= limit;
}

class Loader {
 public:
  Loader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  Status Load(std::unique_ptr<Model>* out) {
    model_.reset(new Model());
    EQ_RETURN_IF_ERROR(ParseHeader());
    EQ_RETURN_IF_ERROR(ParseTensors());
    EQ_RETURN_IF_ERROR(ParseGraph());
    EQ_RETURN_IF_ERROR(ParseOps());
    EQ_RETURN_IF_ERROR(Finish());
    *out = std::move(model_);
    return Status::Ok();
  }

 private:
  // ---------------------------------------------------------------- header
  Status ParseHeader() {
    if (data_ == nullptr || size_ < eqm::kFixedHeader)
      return InvalidFile("the file has " + to_string(size_) + " bytes, fewer than the " + to_string(eqm::kFixedHeader) + "-byte header");
    if (std::memcmp(data_, eqm::kMagic, 4) != 0) return InvalidFile("wrong magic (not an EQM file)");
    ByteReader h(data_, size_);
    h.Skip(4, "magic");
    const uint32_t version = h.U32("version");
    const uint32_t header_size = h.U32("header size");
    const uint32_t payload_crc = h.U32("payload crc");
    const uint32_t file_size = h.U32("file size");
    const uint32_t nsec = h.U32("section count");
    const uint32_t header_crc = h.U32("header crc");
    const uint32_t flags = h.U32("flags");
    if (version != eqm::kVersion)
      return Status(StatusCode::kUnsupported, "unsupported EQM version " + to_string(version) + " (this runtime reads version 1)");
    if (file_size != size_)
      return InvalidFile("the header says the file has " + to_string(file_size) + " bytes, but " + to_string(size_) + " were given (truncated or padded)");
    if (nsec == 0 || nsec > eqm::kMaxSections || header_size != eqm::kFixedHeader + eqm::kSectionEntry * nsec || header_size > size_)
      return InvalidFile("header size " + to_string(header_size) + " does not match " + to_string(nsec) + " sections");
    std::vector<uint8_t> hdr(data_, data_ + header_size);
    std::memset(hdr.data() + 24, 0, 4);
    if (Crc32(hdr.data(), hdr.size()) != header_crc) return InvalidFile("header CRC mismatch (corrupted header)");
    if (Crc32(data_ + header_size, size_ - header_size) != payload_crc) return InvalidFile("payload CRC mismatch (corrupted data)");
    if (flags != 0) return InvalidFile("unknown header flags " + to_string(flags));
    for (uint32_t s = 0; s < nsec; s++) {
      const uint32_t id = h.U32("section id");
      const uint32_t off = h.U32("section offset");
      const uint32_t sz = h.U32("section size");
      h.U32("section reserved");
      if (!h.ok()) return InvalidFile("truncated section table");
      if (id < eqm::kStrings || id > eqm::kGraph) return InvalidFile("unknown section id " + to_string(id));
      Range& r = sections_[id];
      if (r.present) return InvalidFile("section " + to_string(id) + " appears twice");
      if (off < header_size || off % 8 != 0 || static_cast<uint64_t>(off) + sz > size_)
        return InvalidFile("section " + to_string(id) + " [" + to_string(off) + ", +" + to_string(sz) + ") lies outside the payload");
      for (const Range& o : sections_)
        if (o.present && off < o.off + o.size && o.off < static_cast<uint64_t>(off) + sz)
          return InvalidFile("section " + to_string(id) + " overlaps another section");
      r.off = off;
      r.size = sz;
      r.present = true;
    }
    const char* names[] = {"", "strings", "tensors", "data", "ops", "graph"};
    for (uint32_t id = eqm::kStrings; id <= eqm::kGraph; id++)
      if (!sections_[id].present) return InvalidFile(std::string("missing ") + names[id] + " section");
    return Status::Ok();
  }

  ByteReader Section(uint32_t id) const { return ByteReader(data_ + sections_[id].off, sections_[id].size); }

  Status Truncated(const ByteReader& r, const std::string& where) const {
    return InvalidFile(where + ": truncated while reading " + r.failed_field());
  }

  bool ReadString(ByteReader& r, std::string* out) {
    const uint32_t off = r.U32("string offset");
    const uint32_t len = r.U32("string length");
    if (!r.ok()) return false;
    const Range& s = sections_[eqm::kStrings];
    if (off > s.size || len > s.size - off || len > eqm::kMaxString) return false;
    // strings may be shared; bound what is copied so a small file cannot expand without limit
    string_bytes_ += len;
    if (string_bytes_ > eqm::kMaxStringBytes) return false;
    out->assign(reinterpret_cast<const char*>(data_ + s.off + off), len);
    return true;
  }

  bool ReadBlob(ByteReader& r, uint64_t expected, const uint8_t** ptr) {
    const uint32_t off = r.U32("data offset");
    const uint32_t sz = r.U32("data size");
    if (!r.ok()) return false;
    const Range& d = sections_[eqm::kData];
    if (off > d.size || sz > d.size - off || sz != expected) return false;
    // blobs may overlap; everything copied out of DATA must still fit in DATA once
    blob_bytes_ += sz;
    if (blob_bytes_ > d.size) return false;
    *ptr = data_ + d.off + off;
    return true;
  }

  // ---------------------------------------------------------------- tensors
  Status ParseTensors() {
    ByteReader r = Section(eqm::kTensors);
    const uint32_t n = r.U32("tensor count");
    if (!r.ok()) return Truncated(r, "tensor table");
    if (n > eqm::kMaxTensors || static_cast<uint64_t>(n) * 16 > r.remaining())
      return InvalidFile("tensor count " + to_string(n) + " does not fit the tensor section");
    model_->tensors.resize(n);
    for (uint32_t t = 0; t < n; t++) {
      const std::string where = "tensor " + to_string(t);
      TensorInfo& ti = model_->tensors[t];
      if (!ReadString(r, &ti.name)) return r.ok() ? InvalidFile(where + ": name outside the strings section or too long") : Truncated(r, where);
      const uint8_t dtype = r.U8("dtype");
      const uint8_t kind = r.U8("kind");
      const uint8_t rank = r.U8("rank");
      r.U8("reserved");
      ti.scale = r.F32("scale");
      if (!r.ok()) return Truncated(r, where);
      const std::string wn = where + " ('" + ti.name + "')";
      if (dtype < 1 || dtype > 3) return InvalidFile(wn + ": unknown dtype " + to_string(dtype));
      if (kind > 2) return InvalidFile(wn + ": unknown kind " + to_string(kind));
      if (rank > eqm::kMaxRank) return InvalidFile(wn + ": rank " + to_string(rank) + " exceeds " + to_string(eqm::kMaxRank));
      ti.dtype = static_cast<DType>(dtype);
      ti.kind = static_cast<TensorKind>(kind);
      uint64_t numel = 1;
      for (uint8_t d = 0; d < rank; d++) {
        const uint32_t v = r.U32("dim");
        if (!r.ok()) return Truncated(r, wn);
        if (v == 0 && ti.kind != TensorKind::kConstant) return InvalidFile(wn + ": zero dimension");
        if (!MulWithin(numel, v, eqm::kMaxElements, &numel)) return InvalidFile(wn + ": more than 2^28 elements");
        ti.dims.push_back(v);
      }
      ti.numel = static_cast<int64_t>(numel);
      if (ti.dtype == DType::kI8 && ti.kind != TensorKind::kConstant && !PositiveFinite(ti.scale))
        return InvalidFile(wn + ": int8 tensor has an invalid scale");
      if (ti.kind == TensorKind::kInput && ti.dtype != DType::kF32) return InvalidFile(wn + ": the graph input must be float32");
      if (ti.kind == TensorKind::kConstant) {
        const uint8_t* p = nullptr;
        if (!ReadBlob(r, numel * ElemSize(ti.dtype), &p))
          return r.ok() ? InvalidFile(wn + ": constant data is outside the data section, has the wrong size or reuses other data") : Truncated(r, wn);
        if (!ti.data.Reset(ti.bytes())) return Status(StatusCode::kOutOfMemory, wn + ": out of memory");
        DecodeLE(p, numel, ElemSize(ti.dtype), ti.data.data());
      }
    }
    if (r.remaining() != 0) return InvalidFile("tensor section has " + to_string(r.remaining()) + " trailing bytes");
    return Status::Ok();
  }

  // ---------------------------------------------------------------- graph
  Status ParseGraph() {
    ByteReader r = Section(eqm::kGraph);
    Model& m = *model_;
    m.version = eqm::kVersion;
    m.opset = r.U32("opset");
    m.qmax = r.I32("qmax");
    const uint32_t input = r.U32("input");
    const uint32_t nout = r.U32("output count");
    if (!r.ok()) return Truncated(r, "graph section");
    if (m.opset < 1 || m.opset > 1000) return InvalidFile("opset " + to_string(m.opset) + " is out of range");
    if (m.qmax < 1 || m.qmax > 127) return InvalidFile("qmax " + to_string(m.qmax) + " is out of range");
    if (input >= m.tensors.size() || m.tensors[input].kind != TensorKind::kInput)
      return InvalidFile("graph input index " + to_string(input) + " is not the input tensor");
    int inputs = 0;
    for (const TensorInfo& t : m.tensors) inputs += t.kind == TensorKind::kInput;
    if (inputs != 1) return InvalidFile("exactly one tensor must be the graph input");
    m.input = static_cast<int32_t>(input);
    if (nout < 1 || nout > eqm::kMaxList || static_cast<uint64_t>(nout) * 4 > r.remaining())
      return InvalidFile("graph output count " + to_string(nout) + " is invalid");
    for (uint32_t i = 0; i < nout; i++) {
      const uint32_t o = r.U32("output");
      if (o >= m.tensors.size() || m.tensors[o].dtype != DType::kF32)
        return InvalidFile("graph output " + to_string(i) + ": index " + to_string(o) + " is not a float32 tensor");
      m.outputs.push_back(static_cast<int32_t>(o));
    }
    if (r.remaining() != 0) return InvalidFile("graph section has trailing bytes");
    return Status::Ok();
  }

  // ---------------------------------------------------------------- ops
  Status Ref(ByteReader& r, const std::string& where, const char* field, int want_dtype, int32_t* idx) {
    const uint32_t v = r.U32(field);
    if (!r.ok()) return Truncated(r, where);
    if (v >= model_->tensors.size()) return InvalidFile(where + ": " + field + " index " + to_string(v) + " is out of range");
    const TensorInfo& t = model_->tensors[v];
    if (want_dtype != 0 && static_cast<int>(t.dtype) != want_dtype)
      return InvalidFile(where + ": " + field + " '" + t.name + "' is " + DTypeName(t.dtype) + ", expected " + DTypeName(static_cast<DType>(want_dtype)));
    *idx = static_cast<int32_t>(v);
    return Status::Ok();
  }
  Status Use(int32_t idx, const std::string& where) {
    const TensorInfo& t = model_->tensors[idx];
    if (t.kind == TensorKind::kValue && !produced_[idx]) return InvalidFile(where + ": tensor '" + t.name + "' is read before it is produced");
    return Status::Ok();
  }
  Status Produce(int32_t idx, const std::string& where) {
    const TensorInfo& t = model_->tensors[idx];
    if (t.kind != TensorKind::kValue) return InvalidFile(where + ": tensor '" + t.name + "' is a constant or the input and cannot be written");
    if (produced_[idx]) return InvalidFile(where + ": tensor '" + t.name + "' is produced twice");
    produced_[idx] = true;
    return Status::Ok();
  }
  int64_t Numel(int32_t idx) const { return model_->tensors[idx].numel; }

  Status ParseOps() {
    ByteReader r = Section(eqm::kOps);
    produced_.assign(model_->tensors.size(), false);
    const uint32_t n = r.U32("op count");
    if (!r.ok()) return Truncated(r, "op list");
    if (n > eqm::kMaxOps || static_cast<uint64_t>(n) * 12 > r.remaining()) return InvalidFile("op count " + to_string(n) + " does not fit the ops section");
    model_->ops.resize(n);
    for (uint32_t k = 0; k < n; k++) {
      Op& op = model_->ops[k];
      const uint8_t kind = r.U8("op kind");
      r.Skip(3, "reserved");
      std::string where = "op " + to_string(k);
      if (!ReadString(r, &op.name)) return r.ok() ? InvalidFile(where + ": name outside the strings section or too long") : Truncated(r, where);
      if (kind < 1 || kind > 11) return InvalidFile(where + ": unknown op kind " + to_string(kind));
      op.kind = static_cast<OpKind>(kind);
      where += std::string(" (") + OpKindName(op.kind) + " '" + op.name + "')";
      EQ_RETURN_IF_ERROR(ParseOp(r, where, &op));
    }
    if (r.remaining() != 0) return InvalidFile("ops section has " + to_string(r.remaining()) + " trailing bytes");
    return Status::Ok();
  }

  Status ParseOp(ByteReader& r, const std::string& where, Op* op) {
    const int kF32 = static_cast<int>(DType::kF32), kI8 = static_cast<int>(DType::kI8);
    int32_t in = -1, out = -1;
    switch (op->kind) {
      case OpKind::kQuantize:
      case OpKind::kDequantize:
      case OpKind::kRequantize: {
        EQ_RETURN_IF_ERROR(Ref(r, where, "input", op->kind == OpKind::kQuantize ? kF32 : kI8, &in));
        EQ_RETURN_IF_ERROR(Ref(r, where, "output", op->kind == OpKind::kDequantize ? kF32 : kI8, &out));
        op->scale = r.F32("scale");
        if (!r.ok()) return Truncated(r, where);
        if (!PositiveFinite(op->scale)) return InvalidFile(where + ": invalid scale/multiplier");
        if (Numel(in) != Numel(out)) return InvalidFile(where + ": input and output sizes differ");
        op->work = static_cast<uint64_t>(Numel(out));
        break;
      }
      case OpKind::kQLinear: {
        EQ_RETURN_IF_ERROR(Ref(r, where, "input", kI8, &in));
        EQ_RETURN_IF_ERROR(Ref(r, where, "output", 0, &out));
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
        if (!r.ok()) return Truncated(r, where);
        if (lk != 1 && lk != 2) return InvalidFile(where + ": unknown linear kind " + to_string(lk));
        g.conv = lk == 1;
        for (uint32_t* f : fields)
          if (*f > eqm::kMaxDim) return InvalidFile(where + ": geometry value " + to_string(*f) + " is out of range");
        if (g.cin < 1 || g.cout < 1 || g.group < 1 || g.cin % g.group != 0 || g.cout % g.group != 0)
          return InvalidFile(where + ": channels " + to_string(g.cin) + "/" + to_string(g.cout) + " do not divide into " + to_string(g.group) + " groups");
        if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) return InvalidFile(where + ": kernel, strides and dilations must be positive");
        if (g.K < 1 || g.K > eqm::kMaxFanIn) return InvalidFile(where + ": fan-in " + to_string(g.K) + " is out of range");
        if (g.P < 1) return InvalidFile(where + ": no output positions");
        uint64_t want_in = 0, tmp = 0;
        if (g.conv) {
          if (!MulWithin(static_cast<uint64_t>(g.cin / g.group) * g.kh, g.kw, eqm::kMaxFanIn, &tmp) || tmp != g.K)
            return InvalidFile(where + ": fan-in K does not match (cin/group)*kh*kw");
          if (!MulWithin(g.outH, g.outW, eqm::kMaxElements, &tmp) || tmp != g.P) return InvalidFile(where + ": P does not match outH*outW");
          if (!MulWithin(static_cast<uint64_t>(g.cin) * g.inH, g.inW, eqm::kMaxElements, &want_in))
            return InvalidFile(where + ": input geometry is too large");
        } else {
          if (g.group != 1 || g.K != g.cin) return InvalidFile(where + ": invalid gemm geometry");
          if (!MulWithin(g.P, g.K, eqm::kMaxElements, &want_in)) return InvalidFile(where + ": input geometry is too large");
        }
        if (static_cast<uint64_t>(Numel(in)) != want_in)
          return InvalidFile(where + ": input has " + to_string(Numel(in)) + " elements, the geometry expects " + to_string(want_in));
        if (!MulWithin(g.cout, g.P, eqm::kMaxElements, &tmp) || static_cast<uint64_t>(Numel(out)) != tmp)
          return InvalidFile(where + ": output has " + to_string(Numel(out)) + " elements, the geometry expects cout*P");
        const TensorInfo& ot = model_->tensors[out];
        if (ot.dtype != (q.int_out ? DType::kI8 : DType::kF32)) return InvalidFile(where + ": output dtype does not match the output kind");
        // every int8 value stays within [-qmax, qmax]: the SIMD kernels' exactness (int16
        // intermediates at INT7, offset tricks) relies on it
        if (q.int_out && (q.lo < -model_->qmax || q.lo > model_->qmax || q.hi < -model_->qmax || q.hi > model_->qmax))
          return InvalidFile(where + ": lo/hi are outside [-qmax, qmax]");
        if (q.has_act && (std::isnan(q.act_min) || std::isnan(q.act_max))) return InvalidFile(where + ": NaN activation bounds");
        const uint8_t *pw = nullptr, *pb = nullptr, *pm = nullptr, *pt = nullptr;
        const uint64_t cout = g.cout;
        if (!ReadBlob(r, cout * g.K, &pw) || !ReadBlob(r, cout * 4, &pb) || !ReadBlob(r, cout * 4, &pm) || !ReadBlob(r, cout * 8, &pt))
          return r.ok() ? InvalidFile(where + ": parameter data is outside the data section, has the wrong size or reuses other data") : Truncated(r, where);
        q.weights.resize(cout * g.K);
        q.bias.resize(cout);
        q.mult.resize(cout);
        q.tap_mult.resize(cout);
        DecodeLE(pw, q.weights.size(), 1, reinterpret_cast<uint8_t*>(q.weights.data()));
        DecodeLE(pb, cout, 4, reinterpret_cast<uint8_t*>(q.bias.data()));
        DecodeLE(pm, cout, 4, reinterpret_cast<uint8_t*>(q.mult.data()));
        DecodeLE(pt, cout, 8, reinterpret_cast<uint8_t*>(q.tap_mult.data()));
        for (size_t i = 0; i < q.weights.size(); i++)
          if (q.weights[i] < -model_->qmax || q.weights[i] > model_->qmax)
            return InvalidFile(where + ": weight " + to_string(i) + " = " + to_string(q.weights[i]) + " is outside [-qmax, qmax]");
        for (uint32_t c = 0; c < g.cout; c++)
          if (!IsFinite(q.mult[c]) || !IsFinite(q.tap_mult[c])) return InvalidFile(where + ": multiplier of channel " + to_string(c) + " is not finite");
        uint64_t cols = 0, work = 0;
        if (!MulWithin(g.K, g.P, eqm::kMaxScratchBytes, &cols)) return Unsupported(where + ": im2col buffer K*P is too large");
        if (!MulWithin(cols, g.cout, eqm::kMaxWork, &work)) return Unsupported(where + ": the layer needs more than 2^36 multiply-adds");
        op->work = work;
        model_->max_cols_bytes = std::max<size_t>(model_->max_cols_bytes, cols);
        model_->max_acc_bytes = std::max<size_t>(model_->max_acc_bytes, static_cast<size_t>(g.cout / g.group) * g.P * 4);
        break;
      }
      case OpKind::kQMaxPool:
      case OpKind::kQAvgPool: {
        EQ_RETURN_IF_ERROR(Ref(r, where, "input", kI8, &in));
        EQ_RETURN_IF_ERROR(Ref(r, where, "output", kI8, &out));
        PoolGeom& p = op->pool;
        uint32_t* fields[] = {&p.N, &p.C, &p.H, &p.W, &p.OH, &p.OW, &p.kh, &p.kw, &p.sh, &p.sw, &p.dh, &p.dw, &p.pt, &p.pl, &p.pb, &p.pr};
        for (uint32_t* f : fields) *f = r.U32("geometry");
        p.count_include_pad = r.U8("count_include_pad") != 0;
        r.Skip(3, "reserved");
        op->in_scale = r.F32("input scale");
        op->out_scale = r.F32("output scale");
        if (!r.ok()) return Truncated(r, where);
        for (uint32_t* f : fields)
          if (*f > eqm::kMaxDim) return InvalidFile(where + ": geometry value " + to_string(*f) + " is out of range");
        if (p.N < 1 || p.C < 1 || p.H < 1 || p.W < 1 || p.OH < 1 || p.OW < 1 || p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1 || p.dh < 1 || p.dw < 1)
          return InvalidFile(where + ": sizes, kernel, strides and dilations must be positive");
        uint64_t nc = 0, in_n = 0, out_n = 0;
        if (!MulWithin(p.N, p.C, eqm::kMaxElements, &nc) || !MulWithin(nc, static_cast<uint64_t>(p.H) * p.W, eqm::kMaxElements, &in_n) ||
            !MulWithin(nc, static_cast<uint64_t>(p.OH) * p.OW, eqm::kMaxElements, &out_n) || static_cast<uint64_t>(Numel(in)) != in_n ||
            static_cast<uint64_t>(Numel(out)) != out_n)
          return InvalidFile(where + ": tensor sizes do not match the pool geometry");
        // the window must fit the padded input, and the output count must follow from it
        const uint64_t ekh = static_cast<uint64_t>(p.kh - 1) * p.dh + 1, ekw = static_cast<uint64_t>(p.kw - 1) * p.dw + 1;
        const uint64_t ph = static_cast<uint64_t>(p.H) + p.pt + p.pb, pw = static_cast<uint64_t>(p.W) + p.pl + p.pr;
        if (ekh > ph || ekw > pw) return InvalidFile(where + ": the pooling window is larger than the padded input");
        if (p.OH > (ph - ekh) / p.sh + 2 || p.OW > (pw - ekw) / p.sw + 2) return InvalidFile(where + ": output size does not follow from the window");
        if (op->kind == OpKind::kQAvgPool && (!PositiveFinite(op->in_scale) || !PositiveFinite(op->out_scale)))
          return InvalidFile(where + ": invalid scales");
        uint64_t taps = std::min<uint64_t>(p.kh, p.H) * std::min<uint64_t>(p.kw, p.W), work = 0;
        if (!MulWithin(out_n, taps, eqm::kMaxWork, &work)) return Unsupported(where + ": the pool needs more than 2^36 taps");
        op->work = work + static_cast<uint64_t>(p.OH + p.OW) * (p.kh + p.kw);
        break;
      }
      case OpKind::kQRelu:
      case OpKind::kQReshape: {
        EQ_RETURN_IF_ERROR(Ref(r, where, "input", kI8, &in));
        EQ_RETURN_IF_ERROR(Ref(r, where, "output", kI8, &out));
        if (Numel(in) != Numel(out)) return InvalidFile(where + ": input and output sizes differ");
        op->work = static_cast<uint64_t>(Numel(out));
        break;
      }
      case OpKind::kQConcat: {
        EQ_RETURN_IF_ERROR(Ref(r, where, "output", kI8, &out));
        op->axis = r.U32("axis");
        const uint32_t n = r.U32("input count");
        if (!r.ok()) return Truncated(r, where);
        if (n < 1 || n > eqm::kMaxList || static_cast<uint64_t>(n) * 8 > r.remaining()) return InvalidFile(where + ": invalid input count");
        const TensorInfo& ot = model_->tensors[out];
        if (op->axis >= ot.dims.size()) return InvalidFile(where + ": axis " + to_string(op->axis) + " is out of range");
        uint64_t sum = 0;
        for (uint32_t i = 0; i < n; i++) {
          int32_t t = -1;
          EQ_RETURN_IF_ERROR(Ref(r, where, "input", kI8, &t));
          const float m = r.F32("multiplier");
          if (!r.ok()) return Truncated(r, where);
          if (!PositiveFinite(m)) return InvalidFile(where + ": invalid multiplier");
          const TensorInfo& it = model_->tensors[t];
          if (it.dims.size() != ot.dims.size()) return InvalidFile(where + ": input '" + it.name + "' has a different rank");
          for (size_t d = 0; d < ot.dims.size(); d++)
            if (d != op->axis && it.dims[d] != ot.dims[d]) return InvalidFile(where + ": input '" + it.name + "' does not match the output shape");
          sum += static_cast<uint64_t>(it.dims[op->axis]);
          EQ_RETURN_IF_ERROR(Use(t, where));
          op->inputs.push_back(t);
          op->mults.push_back(m);
        }
        if (sum != static_cast<uint64_t>(ot.dims[op->axis])) return InvalidFile(where + ": inputs do not add up to the output along the axis");
        EQ_RETURN_IF_ERROR(Produce(out, where));
        op->output = out;
        op->work = static_cast<uint64_t>(Numel(out));
        return Status::Ok();
      }
      case OpKind::kQAdd: {
        int32_t b = -1;
        EQ_RETURN_IF_ERROR(Ref(r, where, "a", kI8, &in));
        EQ_RETURN_IF_ERROR(Ref(r, where, "b", kI8, &b));
        EQ_RETURN_IF_ERROR(Ref(r, where, "output", kI8, &out));
        op->mult_a = r.F32("multA");
        op->mult_b = r.F32("multB");
        op->lo = r.I32("lo");
        op->hi = r.I32("hi");
        if (!r.ok()) return Truncated(r, where);
        if (!PositiveFinite(op->mult_a) || !PositiveFinite(op->mult_b)) return InvalidFile(where + ": invalid multipliers");
        if (op->lo < -model_->qmax || op->lo > model_->qmax || op->hi < -model_->qmax || op->hi > model_->qmax)
          return InvalidFile(where + ": lo/hi are outside [-qmax, qmax]");
        if (Numel(in) != Numel(out) || Numel(b) != Numel(out)) return InvalidFile(where + ": operand sizes differ");
        EQ_RETURN_IF_ERROR(Use(in, where));
        EQ_RETURN_IF_ERROR(Use(b, where));
        EQ_RETURN_IF_ERROR(Produce(out, where));
        op->inputs = {in, b};
        op->output = out;
        op->work = static_cast<uint64_t>(Numel(out));
        return Status::Ok();
      }
      case OpKind::kFloat:
        return ParseFloat(r, where, op);
    }
    EQ_RETURN_IF_ERROR(Use(in, where));
    EQ_RETURN_IF_ERROR(Produce(out, where));
    op->inputs = {in};
    op->output = out;
    return Status::Ok();
  }

  Status ParseFloat(ByteReader& r, const std::string& where, Op* op) {
    FloatNode& fn = op->fn;
    if (!ReadString(r, &fn.op_type) || !ReadString(r, &fn.domain)) return r.ok() ? InvalidFile(where + ": string outside the strings section") : Truncated(r, where);
    fn.act = r.U8("activation");
    r.Skip(3, "reserved");
    fn.act_min = r.F64("act min");
    fn.act_max = r.F64("act max");
    const uint32_t nin = r.U32("input count");
    if (!r.ok()) return Truncated(r, where);
    if (fn.act > 2 || std::isnan(fn.act_min) || std::isnan(fn.act_max)) return InvalidFile(where + ": invalid fused activation");
    if (nin > eqm::kMaxList || static_cast<uint64_t>(nin) * 4 > r.remaining()) return InvalidFile(where + ": invalid input count");
    const int64_t nt = static_cast<int64_t>(model_->tensors.size());
    for (uint32_t i = 0; i < nin; i++) {
      const int32_t v = r.I32("input");
      if (v < -1 || v >= nt) return InvalidFile(where + ": input index " + to_string(v) + " is out of range");
      if (v >= 0) EQ_RETURN_IF_ERROR(Use(v, where));
      fn.inputs.push_back(v);
    }
    const uint32_t nout = r.U32("output count");
    if (!r.ok()) return Truncated(r, where);
    if (nout > eqm::kMaxList || static_cast<uint64_t>(nout) * 4 > r.remaining()) return InvalidFile(where + ": invalid output count");
    for (uint32_t i = 0; i < nout; i++) {
      const int32_t v = r.I32("output");
      if (v < -1 || v >= nt) return InvalidFile(where + ": output index " + to_string(v) + " is out of range");
      if (v >= 0) EQ_RETURN_IF_ERROR(Produce(v, where));
      fn.outputs.push_back(v);
    }
    const uint32_t nattr = r.U32("attribute count");
    if (!r.ok()) return Truncated(r, where);
    if (nattr > eqm::kMaxList || static_cast<uint64_t>(nattr) * 9 > r.remaining()) return InvalidFile(where + ": invalid attribute count");
    for (uint32_t i = 0; i < nattr; i++) {
      Attr a;
      if (!ReadString(r, &a.name)) return r.ok() ? InvalidFile(where + ": attribute name outside the strings section") : Truncated(r, where);
      const uint8_t type = r.U8("attribute type");
      if (!r.ok()) return Truncated(r, where);
      a.type = static_cast<Attr::Type>(type);
      if (type == Attr::kNumber) {
        a.number = r.F64("attribute value");
      } else if (type == Attr::kString) {
        if (!ReadString(r, &a.str)) return r.ok() ? InvalidFile(where + ": attribute string outside the strings section") : Truncated(r, where);
      } else if (type == Attr::kNumbers || type == Attr::kStrings) {
        const uint32_t n = r.U32("attribute length");
        if (!r.ok()) return Truncated(r, where);
        if (n > eqm::kMaxList || static_cast<uint64_t>(n) * 8 > r.remaining()) return InvalidFile(where + ": attribute '" + a.name + "' is too long");
        for (uint32_t j = 0; j < n; j++) {
          if (type == Attr::kNumbers) {
            a.numbers.push_back(r.F64("attribute value"));
          } else {
            std::string s;
            if (!ReadString(r, &s)) return r.ok() ? InvalidFile(where + ": attribute string outside the strings section") : Truncated(r, where);
            a.strings.push_back(std::move(s));
          }
        }
      } else {
        return InvalidFile(where + ": attribute '" + a.name + "' has unknown type " + to_string(type));
      }
      if (!r.ok()) return Truncated(r, where);
      fn.attrs.push_back(std::move(a));
    }
    return Status::Ok();
  }

  // ---------------------------------------------------------------- finish
  Status Finish() {
    Model& m = *model_;
    for (size_t i = 0; i < m.outputs.size(); i++) {
      const TensorInfo& t = m.tensors[m.outputs[i]];
      if (t.kind == TensorKind::kValue && !produced_[m.outputs[i]]) return InvalidFile("graph output '" + t.name + "' is never produced");
    }
    uint64_t arena = 0;
    for (const TensorInfo& t : m.tensors) {
      if (t.kind == TensorKind::kConstant) continue;
      arena += (t.bytes() + 63) & ~static_cast<uint64_t>(63);
      if (arena > eqm::kMaxArenaBytes) return Unsupported("the activations need more than 1 GiB");
    }
    // FP32 fallback nodes: semantic validation against their tensors, kernel creation
    for (size_t k = 0; k < m.ops.size(); k++) {
      Op& op = m.ops[k];
      if (op.kind != OpKind::kFloat) continue;
      EQ_RETURN_IF_ERROR(fallback::Prepare(m, &op));
    }
    uint64_t work = 0;
    for (const Op& op : m.ops) {
      work += op.work;
      if (work > eqm::kMaxWork) return Unsupported("the model needs more than 2^36 operations per run");
    }
    return Status::Ok();
  }

  const uint8_t* data_;
  size_t size_;
  Range sections_[6];
  std::unique_ptr<Model> model_;
  std::vector<bool> produced_;
  uint64_t string_bytes_ = 0;
  uint64_t blob_bytes_ = 0;
};

}  // namespace

Status LoadEqm(const uint8_t* data, size_t size, std::unique_ptr<Model>* out) {
  Loader loader(data, size);
  return loader.Load(out);
}

}  // namespace eq
