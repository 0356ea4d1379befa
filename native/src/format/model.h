// The in-memory model produced by the EQM loader. Everything in it has been validated:
// tensor indices are in range and typed, sizes agree with the op geometry, constants hold
// exactly numel elements, and every FP32 fallback node has a prepared kernel.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "format/eqm_op_codes.h"

namespace eq {

enum class DType : uint8_t { kF32 = 1, kI8 = 2, kI64 = 3 };
enum class TensorKind : uint8_t { kValue = 0, kConstant = 1, kInput = 2 };

inline size_t ElemSize(DType t) { return t == DType::kF32 ? 4 : t == DType::kI8 ? 1 : 8; }
inline const char* DTypeName(DType t) { return t == DType::kF32 ? "float32" : t == DType::kI8 ? "int8" : "int64"; }

// 64-byte aligned byte buffer.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) { Reset(bytes); }
  bool Reset(size_t bytes) {
    ptr_.reset();
    size_ = 0;
    if (bytes == 0) return true;
    size_t rounded = (bytes + 63) & ~static_cast<size_t>(63);
    void* p = std::aligned_alloc(64, rounded);
    if (!p) return false;
    ptr_.reset(static_cast<uint8_t*>(p));
    size_ = bytes;
    return true;
  }
  uint8_t* data() { return ptr_.get(); }
  const uint8_t* data() const { return ptr_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> ptr_;
  size_t size_ = 0;
};

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  TensorKind kind = TensorKind::kValue;
  std::vector<int64_t> dims;
  int64_t numel = 1;
  float scale = 0.f;    // int8 values: the quantization scale (q = x * scale)
  // int8 values: the zero offset z (0..127). A stored v represents u = v + z, the real value
  // x = u / scale: z = qmax puts a non-negative tensor (a ReLU output) on [0, 2*qmax] while the
  // stored bytes stay within [-qmax, qmax], so no kernel's range proof changes. 0 elsewhere.
  int32_t zero = 0;
  AlignedBuffer data;   // constants: numel elements, host byte order
  size_t bytes() const { return static_cast<size_t>(numel) * ElemSize(dtype); }
};

const char* OpKindName(OpKind k);

struct LinearGeom {
  bool conv = true;  // false: gemm, input [P][K], output [P][cout]
  uint32_t cin = 0, cout = 0, group = 1, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  uint32_t padT = 0, padL = 0, inH = 0, inW = 0, outH = 0, outW = 0, K = 0, P = 0;
};

// Depthwise convolution (group == cin == cout): always runs the depthwise kernels, which pad with
// QLinearParams::pad, so only these layers may pad an input with a zero offset.
inline bool IsDepthwise(const LinearGeom& g) { return g.conv && g.group > 1 && g.group == g.cin && g.group == g.cout; }

struct QLinearParams {
  LinearGeom g;
  bool int_out = true;
  bool has_act = false;  // float output only
  int32_t lo = -127, hi = 127;  // int8 output clamp, in the stored domain (after the zero offset)
  int32_t zero = 0;             // int8 output: the output tensor's zero offset (OutputStage::zero)
  int8_t pad = 0;               // the stored value padded taps read: -z of the input (its real 0)
  float out_scale = 0.f;
  double act_min = 0, act_max = 0;
  std::vector<int8_t> weights;  // [cout][K]
  std::vector<int32_t> bias;    // [cout]
  std::vector<float> mult;      // [cout]
  std::vector<double> tap_mult; // [cout]
};

struct PoolGeom {
  uint32_t N = 0, C = 0, H = 0, W = 0, OH = 0, OW = 0, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  uint32_t pt = 0, pl = 0, pb = 0, pr = 0;
  bool count_include_pad = false;
};

struct Attr {
  enum Type : uint8_t { kNumber = 1, kNumbers = 2, kString = 3, kStrings = 4 };
  std::string name;
  Type type = kNumber;
  double number = 0;
  std::vector<double> numbers;
  std::string str;
  std::vector<std::string> strings;
};

namespace fallback {
class Kernel;
}

struct FloatNode {
  std::string op_type;
  std::string domain;
  uint8_t act = 0;  // 0 none, 1 relu, 2 clip
  double act_min = 0, act_max = 0;
  std::vector<int32_t> inputs;   // -1: omitted optional input
  std::vector<int32_t> outputs;  // -1: unused output
  std::vector<Attr> attrs;
  std::shared_ptr<fallback::Kernel> kernel;
  const Attr* FindAttr(const std::string& n) const {
    for (const Attr& a : attrs)
      if (a.name == n) return &a;
    return nullptr;
  }
};

struct Op {
  OpKind kind = OpKind::kQuantize;
  std::string name;
  std::vector<int32_t> inputs;
  int32_t output = -1;
  float scale = 0.f;  // quantize/dequantize: scale; requantize: multiplier
  QLinearParams ql;
  PoolGeom pool;
  float in_scale = 0.f, out_scale = 0.f;  // qavgpool
  uint32_t axis = 0;                      // qconcat; qmul: elements of a per element of b
  std::vector<float> mults;               // qconcat, per input
  float mult_a = 0.f, mult_b = 0.f;       // qadd; qmul: mult_a
  int32_t lo = 0, hi = 0;                 // qadd
  std::vector<int8_t> lut;                // qlut: 256 entries, out = lut[q + 128]
  std::vector<int64_t> pads;              // qpad: begin[rank], end[rank]
  std::vector<int32_t> rtab;              // qresize: y0, y1, wy1 [OH]; x0, x1, wx1 [OW]
  FloatNode fn;
  // int8 clamp of the output (and |w| bound of qlinear); the model qmax unless the record sets it
  int32_t qmax = 127;
  uint64_t work = 0;  // estimated multiply-adds / taps
};

struct Model {
  uint32_t version = 0;
  uint32_t opset = 0;
  int32_t qmax = 127;
  int32_t input = -1;
  std::vector<int32_t> outputs;
  std::vector<TensorInfo> tensors;
  std::vector<Op> ops;
  // scratch needed by the quantized linear kernels (bytes)
  size_t max_cols_bytes = 0;
  size_t max_acc_bytes = 0;
};

}  // namespace eq
