// Zero offsets end to end through the EQM loader and a session: the tensor record's zero byte,
// its validation (int8 values only, <= 127), the ops that reject an offset operand or must keep
// it, the qlinear padding rule, and runs of quantize → qpad → dequantize and of a 1x1 qlinear
// with offset input and output against their formulas (docs/eqm-format.md).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "eqtest.h"
#include "format/crc32.h"
#include "format/eqm_loader.h"
#include "runtime/session.h"

namespace {

using Bytes = std::vector<uint8_t>;

void U8(Bytes& b, uint8_t v) { b.push_back(v); }
void U32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; i++) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void F32(Bytes& b, float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  U32(b, u);
}
void F64(Bytes& b, double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  U32(b, static_cast<uint32_t>(u));
  U32(b, static_cast<uint32_t>(u >> 32));
}

// A minimal EQM v1 writer (the layout of docs/eqm-format.md): just what these tests need.
class Eqm {
 public:
  int32_t Tensor(const std::string& name, uint8_t dtype, uint8_t kind, std::vector<uint32_t> dims, float scale, uint8_t zero) {
    Str(tensors_, name);
    U8(tensors_, dtype);
    U8(tensors_, kind);
    U8(tensors_, static_cast<uint8_t>(dims.size()));
    U8(tensors_, zero);
    F32(tensors_, scale);
    for (uint32_t d : dims) U32(tensors_, d);
    return static_cast<int32_t>(ntensors_++);
  }
  // op header; the caller appends the kind-specific fields to ops()
  Bytes& Op(uint8_t kind, const std::string& name) {
    U8(ops_, kind);
    U8(ops_, 0);
    U8(ops_, 0);
    U8(ops_, 0);
    Str(ops_, name);
    nops_++;
    return ops_;
  }
  void Blob(Bytes& b, const void* p, size_t n) {
    while (data_.size() % 8) data_.push_back(0);
    U32(b, static_cast<uint32_t>(data_.size()));
    U32(b, static_cast<uint32_t>(n));
    data_.insert(data_.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  }
  Bytes Build(uint32_t input, uint32_t output) const {
    Bytes tensors, ops, graph;
    U32(tensors, ntensors_);
    tensors.insert(tensors.end(), tensors_.begin(), tensors_.end());
    U32(ops, nops_);
    ops.insert(ops.end(), ops_.begin(), ops_.end());
    U32(graph, 13);   // opset
    U32(graph, 127);  // qmax
    U32(graph, input);
    U32(graph, 1);
    U32(graph, output);
    const Bytes* secs[5] = {&strings_, &tensors, &data_, &ops, &graph};
    const uint32_t header = 32 + 16 * 5;
    Bytes f(header, 0);
    std::vector<uint32_t> offs;
    for (const Bytes* s : secs) {
      while (f.size() % 8) f.push_back(0);
      offs.push_back(static_cast<uint32_t>(f.size()));
      f.insert(f.end(), s->begin(), s->end());
    }
    Bytes h;
    h.insert(h.end(), {'E', 'Q', 'M', '1'});
    U32(h, 1);
    U32(h, header);
    U32(h, Crc(f.data() + header, f.size() - header));
    U32(h, static_cast<uint32_t>(f.size()));
    U32(h, 5);
    U32(h, 0);  // header crc, below
    U32(h, 0);  // flags
    for (uint32_t id = 1; id <= 5; id++) {
      U32(h, id);
      U32(h, offs[id - 1]);
      U32(h, static_cast<uint32_t>(secs[id - 1]->size()));
      U32(h, 0);
    }
    std::memcpy(f.data(), h.data(), header);
    const uint32_t hc = Crc(f.data(), header);
    for (int i = 0; i < 4; i++) f[24 + i] = static_cast<uint8_t>(hc >> (8 * i));
    return f;
  }

 private:
  static uint32_t Crc(const uint8_t* p, size_t n) { return eq::Crc32(p, n); }
  void Str(Bytes& b, const std::string& s) {
    U32(b, static_cast<uint32_t>(strings_.size()));
    U32(b, static_cast<uint32_t>(s.size()));
    strings_.insert(strings_.end(), s.begin(), s.end());
  }
  Bytes strings_, tensors_, data_, ops_;
  uint32_t ntensors_ = 0, nops_ = 0;
};

constexpr uint8_t kF32 = 1, kI8 = 2, kValue = 0, kInput = 2;
constexpr uint8_t kQuantize = 1, kDequantize = 2, kQLinear = 4, kQRelu = 7, kQReshape = 8, kQPad = 14;

void Scaled(Eqm& e, uint8_t kind, const std::string& name, int32_t in, int32_t out, float scale) {
  Bytes& b = e.Op(kind, name);
  U32(b, static_cast<uint32_t>(in));
  U32(b, static_cast<uint32_t>(out));
  F32(b, scale);
}

eq::Status Load(const Bytes& f, std::unique_ptr<eq::Model>* m) { return eq::LoadEqm(f.data(), f.size(), m); }

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

int8_t Rne(double v, int32_t lo, int32_t hi, int32_t z) {
  const double r = std::nearbyint(v) - z;
  return static_cast<int8_t>(r < lo ? lo : r > hi ? hi : r);
}

// x [1,2,3,3] → quantize (zero zq) → op under test → ... Returns the file.
struct Chain {
  Eqm e;
  int32_t x, xq;
};
Chain Start(uint8_t zq, float scale = 10.0f) {
  Chain c;
  c.x = c.e.Tensor("x", kF32, kInput, {1, 2, 3, 3}, 0, 0);
  c.xq = c.e.Tensor("xq", kI8, kValue, {1, 2, 3, 3}, scale, zq);
  Scaled(c.e, kQuantize, "q", c.x, c.xq, scale);
  return c;
}

// a conv qlinear xq [2,3,3] → y int8 [2,outH,outW] (zero zy), 3x3 or 1x1 kernel; group 2 is
// depthwise (cin == cout == group)
Bytes QLinear(uint8_t zx, uint8_t zy, uint32_t k, uint32_t pad, uint32_t outHW, uint32_t group = 1) {
  Chain c = Start(zx);
  const int32_t y = c.e.Tensor("y", kI8, kValue, {1, 2, outHW, outHW}, 5.0f, zy);
  const int32_t out = c.e.Tensor("out", kF32, kValue, {1, 2, outHW, outHW}, 0, 0);
  Bytes& b = c.e.Op(kQLinear, "conv");
  U32(b, static_cast<uint32_t>(c.xq));
  U32(b, static_cast<uint32_t>(y));
  U8(b, 1);  // conv
  U8(b, 1);  // int8 output
  U8(b, 0);
  U8(b, 0);
  const uint32_t K = 2 / group * k * k, P = outHW * outHW;
  const uint32_t geo[17] = {2, 2, group, k, k, 1, 1, 1, 1, pad, pad, 3, 3, outHW, outHW, K, P};
  for (uint32_t v : geo) U32(b, v);
  U32(b, static_cast<uint32_t>(-127));
  U32(b, 127);
  F32(b, 5.0f);
  F64(b, 0);
  F64(b, 0);
  std::vector<int8_t> w(2 * K);
  for (size_t i = 0; i < w.size(); i++) w[i] = static_cast<int8_t>(static_cast<int>(i % 7) - 3);
  const int32_t bias[2] = {100, -250};
  const float mult[2] = {0.25f, 0.5f};
  const double tap[2] = {1.0, 1.0};
  c.e.Blob(b, w.data(), w.size());
  c.e.Blob(b, bias, sizeof(bias));
  c.e.Blob(b, mult, sizeof(mult));
  c.e.Blob(b, tap, sizeof(tap));
  Scaled(c.e, kDequantize, "dq", y, out, 5.0f);
  return c.e.Build(static_cast<uint32_t>(c.x), static_cast<uint32_t>(out));
}

}  // namespace

EQ_TEST(eqm_zero_offset_quantize_pad_dequantize_run) {
  for (uint8_t z : {0, 63, 127}) {
    Chain c = Start(z);
    const int32_t padded = c.e.Tensor("xp", kI8, kValue, {1, 2, 4, 5}, 10.0f, z);
    const int32_t out = c.e.Tensor("out", kF32, kValue, {1, 2, 4, 5}, 0, 0);
    Bytes& b = c.e.Op(kQPad, "pad");
    U32(b, static_cast<uint32_t>(c.xq));
    U32(b, static_cast<uint32_t>(padded));
    U32(b, 4);
    for (uint32_t p : {0u, 0u, 1u, 2u, 0u, 0u, 0u, 0u}) U32(b, p);  // 1 row on top, 2 columns left
    Scaled(c.e, kDequantize, "dq", padded, out, 10.0f);
    std::unique_ptr<eq::Model> m;
    const eq::Status st = Load(c.e.Build(static_cast<uint32_t>(c.x), static_cast<uint32_t>(out)), &m);
    EQ_EXPECT(st.ok()) << st.message();
    if (!st.ok()) continue;
    EQ_EXPECT(m->tensors[c.xq].zero == z && m->tensors[padded].zero == z);
    std::unique_ptr<eq::Session> s;
    EQ_EXPECT(eq::Session::Create(std::move(m), &s).ok());
    std::vector<float> x(18);
    for (size_t i = 0; i < 18; i++) x[i] = static_cast<float>(static_cast<int>(i) - 5) * 1.55f;  // negatives, ties, > 254/S
    x[3] = NAN;
    const int64_t dims[4] = {1, 2, 3, 3};
    const eq::Status run = s->Run(x.data(), dims, 4, 18);
    EQ_EXPECT(run.ok()) << run.message();
    const float* y = s->OutputData(0);
    const float m1 = static_cast<float>(1.0 / 10.0);
    const int32_t qmax = 127;
    size_t wrong = 0;
    for (int ch = 0; ch < 2; ch++)
      for (int r = 0; r < 4; r++)
        for (int col = 0; col < 5; col++) {
          float want = 0;  // padding: the real 0 (stored -z)
          if (r >= 1 && col >= 2) {
            const float v = x[(ch * 3 + r - 1) * 3 + col - 2];
            const int8_t q = std::isnan(v) ? 0 : Rne(static_cast<double>(v * 10.0f), -qmax, qmax, z);
            want = static_cast<float>(static_cast<double>(q + z) * static_cast<double>(m1));
          }
          wrong += y[(ch * 4 + r) * 5 + col] != want;
        }
    EQ_EXPECT(wrong == 0) << "z=" << int(z) << ": " << wrong << " wrong";
  }
}

EQ_TEST(eqm_zero_offset_qlinear_run) {
  // 1x1 conv without padding: the input offset is the writer's business (folded into the bias),
  // the output offset is subtracted after rounding
  for (uint8_t zx : {0, 127})
    for (uint8_t zy : {0, 63, 127}) {
      std::unique_ptr<eq::Model> m;
      const eq::Status st = Load(QLinear(zx, zy, 1, 0, 3), &m);
      EQ_EXPECT(st.ok()) << st.message();
      if (!st.ok()) continue;
      EQ_EXPECT(m->ops[1].ql.zero == zy);
      const std::vector<int8_t> w = m->ops[1].ql.weights;
      std::unique_ptr<eq::Session> s;
      EQ_EXPECT(eq::Session::Create(std::move(m), &s).ok());
      std::vector<float> x(18);
      for (size_t i = 0; i < 18; i++) x[i] = static_cast<float>(static_cast<int>(i * 37 % 29) - 9) * 1.3f;
      const int64_t dims[4] = {1, 2, 3, 3};
      EQ_EXPECT(s->Run(x.data(), dims, 4, 18).ok());
      const float* y = s->OutputData(0);
      const int32_t bias[2] = {100, -250};
      const float mult[2] = {0.25f, 0.5f};
      const float m5 = static_cast<float>(1.0 / 5.0);
      size_t wrong = 0;
      for (int co = 0; co < 2; co++)
        for (int p = 0; p < 9; p++) {
          int32_t acc = bias[co];
          for (int ci = 0; ci < 2; ci++) acc += w[co * 2 + ci] * Rne(static_cast<double>(x[ci * 9 + p] * 10.0f), -127, 127, zx);
          const int8_t q = Rne(static_cast<double>(static_cast<float>(acc) * mult[co]), -127, 127, zy);
          wrong += y[co * 9 + p] != static_cast<float>(static_cast<double>(q + zy) * static_cast<double>(m5));
        }
      EQ_EXPECT(wrong == 0) << "zx=" << int(zx) << " zy=" << int(zy) << ": " << wrong << " wrong";
    }
}

EQ_TEST(eqm_zero_offset_qlinear_padding_rejected) {
  std::unique_ptr<eq::Model> m;
  // 3x3 non-depthwise (group 1) with padding 1 on a zero-offset input: its GEMM path would pad
  // with 0, not -z
  eq::Status st = Load(QLinear(127, 0, 3, 1, 3), &m);
  EQ_EXPECT(!st.ok() && st.code() == eq::StatusCode::kInvalidFile && Has(st.message(), "'conv'") && Has(st.message(), "zero offset"))
      << st.message();
  // no explicit padding, but the windows reach past the bottom/right edge (implied padding)
  st = Load(QLinear(127, 0, 3, 0, 2), &m);
  EQ_EXPECT(!st.ok() && Has(st.message(), "'conv'") && Has(st.message(), "zero offset")) << st.message();
  // the same layers without an input offset load
  st = Load(QLinear(0, 127, 3, 1, 3), &m);
  EQ_EXPECT(st.ok()) << st.message();
  st = Load(QLinear(0, 0, 3, 0, 2), &m);
  EQ_EXPECT(st.ok()) << st.message();
  // a 3x3 valid convolution (no padding anywhere) with an offset input loads
  st = Load(QLinear(127, 0, 3, 0, 1), &m);
  EQ_EXPECT(st.ok()) << st.message();
  // depthwise layers pad with -z themselves: explicit and implied padding load, pad = -z
  for (uint8_t zx : {0, 63, 127}) {
    st = Load(QLinear(zx, 0, 3, 1, 3, 2), &m);
    EQ_EXPECT(st.ok() && m->ops[1].ql.pad == -zx) << "zx=" << int(zx) << ": " << st.message();
    st = Load(QLinear(zx, 0, 3, 0, 2, 2), &m);
    EQ_EXPECT(st.ok() && m->ops[1].ql.pad == -zx) << "zx=" << int(zx) << ": " << st.message();
  }
}

EQ_TEST(eqm_zero_offset_depthwise_padding_run) {
  // 3x3 depthwise, padding 1 (and implied padding past the bottom/right edge) on an input with
  // zero offset zx: the padded taps read the stored -zx, i.e. the real 0, in every kernel path
  // (scalar, the best ISA, fused and unfused int8 output)
  for (uint8_t zx : {0, 63, 127})
    for (uint8_t zy : {0, 127})
      for (uint32_t pad : {0u, 1u})
        for (const char* isa : {"scalar", ""}) {
          const uint32_t outHW = pad ? 3 : 2;  // pad 0, out 2: windows reach one past the edge
          std::unique_ptr<eq::Model> m;
          const eq::Status st = Load(QLinear(zx, zy, 3, pad, outHW, 2), &m);
          EQ_EXPECT(st.ok()) << st.message();
          if (!st.ok()) continue;
          const std::vector<int8_t> w = m->ops[1].ql.weights;
          std::unique_ptr<eq::Session> s;
          eq::SessionOptions opt;
          opt.isa = isa;
          opt.threads = 1;
          EQ_EXPECT(eq::Session::Create(std::move(m), opt, &s).ok());
          if (!s) continue;
          std::vector<float> x(18);
          for (size_t i = 0; i < 18; i++) x[i] = static_cast<float>(static_cast<int>(i * 37 % 29) - 9) * 1.3f;
          const int64_t dims[4] = {1, 2, 3, 3};
          const eq::Status run = s->Run(x.data(), dims, 4, 18);
          EQ_EXPECT(run.ok()) << run.message();
          const float* y = s->OutputData(0);
          const int32_t bias[2] = {100, -250};
          const float mult[2] = {0.25f, 0.5f};
          const float m5 = static_cast<float>(1.0 / 5.0);
          size_t wrong = 0, padded_taps = 0, zero_pad_differs = 0;
          for (int c = 0; c < 2; c++)
            for (uint32_t oy = 0; oy < outHW; oy++)
              for (uint32_t ox = 0; ox < outHW; ox++) {
                int32_t acc = bias[c], acc0 = bias[c];  // acc0: padding with 0 (the old kernels)
                for (int ky = 0; ky < 3; ky++)
                  for (int kx = 0; kx < 3; kx++) {
                    const int iy = static_cast<int>(oy + ky) - static_cast<int>(pad), ix = static_cast<int>(ox + kx) - static_cast<int>(pad);
                    const bool in = iy >= 0 && iy < 3 && ix >= 0 && ix < 3;
                    padded_taps += !in;
                    const int32_t v = in ? Rne(static_cast<double>(x[(c * 3 + iy) * 3 + ix] * 10.0f), -127, 127, zx) : -zx;  // real 0
                    acc += w[c * 9 + ky * 3 + kx] * v;
                    acc0 += in ? w[c * 9 + ky * 3 + kx] * v : 0;
                  }
                const int8_t q = Rne(static_cast<double>(static_cast<float>(acc) * mult[c]), -127, 127, zy);
                zero_pad_differs += q != Rne(static_cast<double>(static_cast<float>(acc0) * mult[c]), -127, 127, zy);
                wrong += y[(c * outHW + oy) * outHW + ox] != static_cast<float>(static_cast<double>(q + zy) * static_cast<double>(m5));
              }
          EQ_EXPECT(padded_taps > 0 && (zx == 0 || zero_pad_differs > 0)) << "the case cannot tell -zx padding from 0";
          EQ_EXPECT(wrong == 0) << "zx=" << int(zx) << " zy=" << int(zy) << " pad=" << pad << " isa='" << isa << "': " << wrong << " wrong";
        }
}

EQ_TEST(eqm_zero_offset_validation) {
  std::unique_ptr<eq::Model> m;
  // qrelu cannot take an offset operand
  {
    Chain c = Start(127);
    const int32_t r = c.e.Tensor("r", kI8, kValue, {1, 2, 3, 3}, 10.0f, 127);
    const int32_t out = c.e.Tensor("out", kF32, kValue, {1, 2, 3, 3}, 0, 0);
    Bytes& b = c.e.Op(kQRelu, "relu1");
    U32(b, static_cast<uint32_t>(c.xq));
    U32(b, static_cast<uint32_t>(r));
    Scaled(c.e, kDequantize, "dq", r, out, 10.0f);
    const eq::Status st = Load(c.e.Build(static_cast<uint32_t>(c.x), static_cast<uint32_t>(out)), &m);
    EQ_EXPECT(!st.ok() && st.code() == eq::StatusCode::kInvalidFile && Has(st.message(), "zero offset not supported by qrelu") &&
              Has(st.message(), "'relu1'") && Has(st.message(), "'xq'"))
        << st.message();
  }
  // qreshape keeps the offset: a different output offset is rejected, the same one loads
  for (uint8_t zr : {0, 127}) {
    Chain c = Start(127);
    const int32_t r = c.e.Tensor("r", kI8, kValue, {1, 18}, 10.0f, zr);
    const int32_t out = c.e.Tensor("out", kF32, kValue, {1, 18}, 0, 0);
    Bytes& b = c.e.Op(kQReshape, "flat");
    U32(b, static_cast<uint32_t>(c.xq));
    U32(b, static_cast<uint32_t>(r));
    Scaled(c.e, kDequantize, "dq", r, out, 10.0f);
    const eq::Status st = Load(c.e.Build(static_cast<uint32_t>(c.x), static_cast<uint32_t>(out)), &m);
    if (zr == 127) EQ_EXPECT(st.ok()) << st.message();
    else EQ_EXPECT(!st.ok() && Has(st.message(), "'flat'") && Has(st.message(), "zero offset")) << st.message();
  }
  // an offset on a float tensor, on the input, and above 127
  {
    Eqm e;
    const int32_t x = e.Tensor("x", kF32, kInput, {4}, 0, 0);
    const int32_t q = e.Tensor("q", kI8, kValue, {4}, 1.0f, 0);
    const int32_t out = e.Tensor("out", kF32, kValue, {4}, 0, 7);
    Scaled(e, kQuantize, "q", x, q, 1.0f);
    Scaled(e, kDequantize, "dq", q, out, 1.0f);
    const eq::Status st = Load(e.Build(static_cast<uint32_t>(x), static_cast<uint32_t>(out)), &m);
    EQ_EXPECT(!st.ok() && Has(st.message(), "'out'") && Has(st.message(), "zero offset")) << st.message();
  }
  {
    Eqm e;
    const int32_t x = e.Tensor("x", kF32, kInput, {4}, 0, 0);
    const int32_t q = e.Tensor("q", kI8, kValue, {4}, 1.0f, 128);
    const int32_t out = e.Tensor("out", kF32, kValue, {4}, 0, 0);
    Scaled(e, kQuantize, "q", x, q, 1.0f);
    Scaled(e, kDequantize, "dq", q, out, 1.0f);
    const eq::Status st = Load(e.Build(static_cast<uint32_t>(x), static_cast<uint32_t>(out)), &m);
    EQ_EXPECT(!st.ok() && Has(st.message(), "'q'") && Has(st.message(), "exceeds 127")) << st.message();
  }
}
