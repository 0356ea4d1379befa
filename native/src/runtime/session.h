// Session: runs the validated op list of a Model over an arena holding every activation
// tensor (shapes are static, so the arena is laid out once at creation). Not thread-safe:
// one run at a time per session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/model.h"

namespace eq {

struct LayerTap {
  std::string layer;        // qlinear op name
  int32_t output = -1;      // the layer's output tensor (int8 or float32)
  std::vector<float> pre;   // dequantized pre-activation accumulator, output layout
};

class Session {
 public:
  static Status Create(std::unique_ptr<Model> model, std::unique_ptr<Session>* out);

  const Model& model() const { return *model_; }

  // input: numel floats with exactly the model input's dims.
  Status Run(const float* input, const int64_t* dims, size_t rank, size_t numel);

  // After a run: tensor data (constants, the input and every activation stay valid until the next run).
  const void* TensorData(int32_t idx) const;
  const float* OutputData(size_t i) const { return static_cast<const float*>(TensorData(model_->outputs[i])); }

  // Per-layer taps of quantized layers, filled by Run when enabled.
  void EnableTaps(bool on) { taps_enabled_ = on; }
  const std::vector<LayerTap>& taps() const { return taps_; }

 private:
  Session() = default;
  Status RunOp(size_t k);
  void* Ptr(int32_t idx) { return ptrs_[idx]; }

  std::unique_ptr<Model> model_;
  AlignedBuffer arena_;
  AlignedBuffer cols_;
  AlignedBuffer acc_;
  std::vector<void*> ptrs_;
  bool taps_enabled_ = false;
  std::vector<LayerTap> taps_;
  std::vector<int> tap_index_;  // op index → taps_ index (-1)
};

}  // namespace eq
