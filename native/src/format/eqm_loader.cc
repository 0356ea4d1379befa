#include "format/eqm_loader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "format/byte_reader.h"
#include "format/checked_math.h"
#include "format/crc32.h"
#include "format/eqm_format.h"
#include "runtime/ops/op_def.h"

namespace eq {

namespace {

using std::to_string;

struct Range {
  size_t off = 0;
  size_t size = 0;
  bool present = false;
};

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
      const uint8_t zero = r.U8("zero");  // was reserved: 0 in files written before zero offsets
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
      ti.zero = zero;
      if (zero > 127) return InvalidFile(wn + ": zero offset " + to_string(zero) + " exceeds 127");
      // only op outputs can be on the offset grid: constants and the input are read as they are
      if (zero != 0 && (ti.dtype != DType::kI8 || ti.kind != TensorKind::kValue))
        return InvalidFile(wn + ": zero offset " + to_string(zero) + " on a tensor that is not an int8 value");
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

  // Gives an op's parser checked access to the file (op_def.h).
  class RecordParser : public OpParser {
   public:
    RecordParser(Loader& l, ByteReader& r, std::string where) : OpParser(r, std::move(where), *l.model_), l_(l) {}
    Status Ref(const char* field, int want_dtype, int32_t* idx) override { return l_.Ref(r, where, field, want_dtype, idx); }
    Status Use(int32_t idx) override { return l_.Use(idx, where); }
    Status Produce(int32_t idx) override { return l_.Produce(idx, where); }
    bool ReadString(std::string* out) override { return l_.ReadString(r, out); }
    bool ReadBlob(uint64_t expected, const uint8_t** ptr) override { return l_.ReadBlob(r, expected, ptr); }

   private:
    Loader& l_;
  };

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
      const uint8_t op_qmax = r.U8("op qmax");  // 0: the model's qmax (files before per-op precision)
      r.Skip(2, "reserved");
      std::string where = "op " + to_string(k);
      if (op_qmax > 127) return InvalidFile(where + ": op qmax " + to_string(op_qmax) + " is out of range");
      op.qmax = op_qmax == 0 ? model_->qmax : op_qmax;
      if (!ReadString(r, &op.name)) return r.ok() ? InvalidFile(where + ": name outside the strings section or too long") : Truncated(r, where);
      const OpDef* def = FindOpDef(kind);
      if (!def) return InvalidFile(where + ": unknown op kind " + to_string(kind));
      op.kind = def->kind;
      RecordParser p(*this, r, where + " (" + def->name + " '" + op.name + "')");
      EQ_RETURN_IF_ERROR(def->parse(p, &op));
    }
    if (r.remaining() != 0) return InvalidFile("ops section has " + to_string(r.remaining()) + " trailing bytes");
    return Status::Ok();
  }

  // ---------------------------------------------------------------- finish
  Status Finish() {
    Model& m = *model_;
    for (size_t i = 0; i < m.outputs.size(); i++) {
      const TensorInfo& t = m.tensors[m.outputs[i]];
      if (t.kind == TensorKind::kValue && !produced_[m.outputs[i]]) return InvalidFile("graph output '" + t.name + "' is never produced");
    }
    // the session shares arena bytes between tensors not live together (runtime/arena_plan.h)
    // and checks the planned total; one tensor alone must fit
    for (const TensorInfo& t : m.tensors) {
      if (t.kind == TensorKind::kConstant) continue;
      if (t.bytes() > eqm::kMaxArenaBytes) return Unsupported("activation tensor '" + t.name + "' needs more than 1 GiB");
    }
    // per-op preparation that needs the whole model (FP32 fallback kernels)
    for (Op& op : m.ops) {
      const OpDef* def = FindOpDef(static_cast<uint8_t>(op.kind));
      if (def && def->prepare) EQ_RETURN_IF_ERROR(def->prepare(m, &op));
    }
    uint64_t work = 0;
    for (const Op& op : m.ops) {
      work += op.work;
      if (work > eqm::kMaxModelWork) return Unsupported("the model needs more than 2^38 operations per run");
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
