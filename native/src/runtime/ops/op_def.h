// One integer op kind of the EQM format: how its record is parsed and validated, and how it
// runs. Each kind lives in its own file here and is listed once in op_registry.cc; the loader
// and the session only dispatch through FindOpDef (docs/adding-an-op.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "common/status.h"
#include "common/thread_pool.h"
#include "format/byte_reader.h"
#include "format/model.h"
#include "kernels/isa.h"
#include "runtime/linear_layer.h"
#include "runtime/workspace.h"

namespace eq {

// Checked access to the file while one op record is parsed (implemented by the loader).
class OpParser {
 public:
  OpParser(ByteReader& reader, std::string where_, Model& m) : r(reader), where(std::move(where_)), model(m) {}
  virtual ~OpParser() = default;

  ByteReader& r;
  const std::string where;  // "op 3 (qlinear 'conv1')"
  Model& model;             // tensors and graph are parsed; ops before this one too

  // reads a tensor index; want_dtype 0 accepts any dtype
  virtual Status Ref(const char* field, int want_dtype, int32_t* idx) = 0;
  // the tensor is read by this op (must be produced earlier unless a constant or the input)
  virtual Status Use(int32_t idx) = 0;
  // the tensor is written by this op (a value, written once)
  virtual Status Produce(int32_t idx) = 0;
  // string reference into the strings section; false when invalid or truncated
  virtual bool ReadString(std::string* out) = 0;
  // data reference of exactly `expected` bytes into the data section
  virtual bool ReadBlob(uint64_t expected, const uint8_t** ptr) = 0;

  Status Truncated() const { return InvalidFile(where + ": truncated while reading " + r.failed_field()); }
  Status Invalid(const std::string& msg) const { return InvalidFile(where + ": " + msg); }
  Status Unsup(const std::string& msg) const { return Unsupported(where + ": " + msg); }
  int64_t Numel(int32_t idx) const { return model.tensors[idx].numel; }
};

// What an op needs to run inside a session.
struct OpRunCtx {
  const Model& model;
  void* const* ptrs;   // tensor index → data
  Isa isa;
  ThreadPool& pool;
  Workspace& ws;
  const LinearLayer* layer;  // qlinear: the layer prepared for this op
  float* tap;                // qlinear: the tap buffer when taps are on, else null
  template <class T>
  T* Ptr(int32_t idx) const {
    return static_cast<T*>(ptrs[idx]);
  }
  size_t Numel(int32_t idx) const { return static_cast<size_t>(model.tensors[idx].numel); }
};

struct OpDef {
  OpKind kind;
  const char* name;
  // reads the payload after the common op header, validates it, fills inputs/output/work
  Status (*parse)(OpParser& p, Op* op);
  // optional: runs once every tensor and op of the model is known (e.g. FP32 kernel creation)
  Status (*prepare)(const Model& model, Op* op);
  Status (*run)(const OpRunCtx& c, const Op& op);
};

// nullptr for an unknown code
const OpDef* FindOpDef(uint8_t code);

}  // namespace eq
