// Session: runs the validated op list of a Model over an arena holding every activation
// tensor (shapes are static, so the arena is laid out once at creation). Not thread-safe:
// one run at a time per session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "format/model.h"
#include "kernels/isa.h"
#include "runtime/linear_layer.h"
#include "runtime/workspace.h"

namespace eq {

struct LayerTap {
  std::string layer;        // qlinear op name
  int32_t output = -1;      // the layer's output tensor (int8 or float32)
  std::vector<float> pre;   // dequantized pre-activation accumulator, output layout
  std::vector<int8_t> q;    // the int8 output (int8 layers), copied when the layer ran
};

struct SessionOptions {
  int threads = 0;          // <= 0: the CPUs in the process's affinity mask
  std::string isa;          // "" / "auto": EQ_ISA if set, else the best this CPU runs
  bool autotune = true;     // time the candidate algorithms of each layer once, keep the fastest
  std::string conv_algo;    // force gemm|wino23|wino43 where applicable ("" or EQ_CONV_ALGO)
};

// Per-op statistics since creation (or the last ResetProfile).
struct OpProfile {
  std::string name;
  const char* kind = "";
  std::string kernel;       // quantized layers: "<algo>:<kernel>"; float ops: "fp32:<op_type>"
  uint64_t work = 0;        // multiply-adds (or element count) of one run
  uint64_t total_ns = 0;
  uint64_t calls = 0;
  std::vector<std::pair<std::string, double>> tuned;  // autotune: candidate → median µs
  int threads = 1;          // threads the op may split over (1: the caller alone, chosen by the autotune)
};

class Session {
 public:
  static Status Create(std::unique_ptr<Model> model, std::unique_ptr<Session>* out) { return Create(std::move(model), SessionOptions(), out); }
  static Status Create(std::unique_ptr<Model> model, const SessionOptions& options, std::unique_ptr<Session>* out);

  Isa isa() const { return isa_; }
  int threads() const { return pool_->threads(); }
  const std::vector<OpProfile>& profile() const { return profile_; }
  void ResetProfile();

  const Model& model() const { return *model_; }

  // input: numel floats with exactly the model input's dims, read in place during the run (the
  // caller keeps it alive and unchanged until Run returns; it is not kept).
  Status Run(const float* input, const int64_t* dims, size_t rank, size_t numel);

  // After a run: tensor data (constants and every activation stay valid until the next run; the
  // input's own slot holds it only if the model returns or writes it).
  const void* TensorData(int32_t idx) const;
  const float* OutputData(size_t i) const { return static_cast<const float*>(TensorData(model_->outputs[i])); }

  // Per-layer taps of quantized layers, filled by Run when enabled.
  void EnableTaps(bool on) { taps_enabled_ = on; }
  const std::vector<LayerTap>& taps() const { return taps_; }

 private:
  Session() = default;
  Status RunOp(size_t k);
  Status PrepareLayers(const SessionOptions& options);
  Status TimeTrials(const Op& op, const std::vector<std::unique_ptr<LinearLayer>>& layers, int modes, std::vector<double>* us);
  // layers of at least this many multiply-adds always split over the pool (no caller-alone trial)
  static constexpr uint64_t kSerialTrialMaxWork = uint64_t{32} << 20;
  void* Ptr(int32_t idx) { return ptrs_[idx]; }

  std::unique_ptr<Model> model_;
  AlignedBuffer arena_;
  Isa isa_ = Isa::kScalar;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<ThreadPool> serial_pool_;  // one thread: layers the autotune found faster alone
  std::unique_ptr<Workspace> ws_;
  std::vector<std::unique_ptr<LinearLayer>> layers_;  // per op (null for non-qlinear ops)
  std::vector<bool> serial_;                           // per op: run on the caller alone
  std::vector<OpProfile> profile_;
  std::vector<void*> ptrs_;
  bool taps_enabled_ = false;
  bool input_borrowable_ = false;  // Run reads the caller's input in place (no op writes it)
  std::vector<LayerTap> taps_;
  std::vector<int> tap_index_;  // op index → taps_ index (-1)
};

}  // namespace eq
