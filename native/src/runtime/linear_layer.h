// A quantized Conv/Gemm layer prepared for one session: the algorithm chosen for it (packed
// int8 GEMM, depthwise, or integer Winograd F(2,3)/F(4,3)), the ISA kernel, and the weights
// packed for that kernel. Run() = pack/transform → micro-kernel → output stage, split over
// the thread pool. Every algorithm produces the same int32 sums, so the choice is only speed.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "format/model.h"
#include "kernels/amx_conv.h"
#include "kernels/dwconv_s8.h"
#include "kernels/igemm.h"
#include "kernels/kernels.h"
#include "kernels/isa.h"
#include "kernels/winograd.h"
#include "runtime/workspace.h"

namespace eq {

// kAmxConv: direct convolution on AMX tiles (kernels/amx_conv.h), at the amx level only
enum class LinearAlgo : uint8_t { kGemm = 0, kDepthwise = 1, kWinograd23 = 2, kWinograd43 = 3, kAmxConv = 4 };
const char* LinearAlgoName(LinearAlgo a);
bool ParseLinearAlgo(const std::string& s, LinearAlgo* out);

class LinearLayer {
 public:
  // Algorithms that can compute this layer (the first is the default without autotuning).
  static std::vector<LinearAlgo> Candidates(const QLinearParams& q, Isa isa);
  static Status Prepare(const QLinearParams& q, const std::string& name, Isa isa, int32_t qmax, LinearAlgo algo, std::unique_ptr<LinearLayer>* out);

  LinearAlgo algo() const { return algo_; }
  // "<algo>:<kernel>" of an untapped run (what profiles time), e.g. "gemm:avx2-int7-maddubs",
  // "dw:dw-avx2", "wino43:wino43-avx2". A run with taps (calibration's layer cosines) takes the
  // unfused path: for a depthwise layer the general kernel of its level.
  const std::string& kernel() const { return kernel_; }

  Status Run(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const;
  // Evicts the weights Run reads (as packed for this kernel) from the caches: the autotune
  // times each candidate as a network run finds it (common/cache_evict.h).
  void EvictWeights() const;

 private:
  LinearLayer(const QLinearParams& q, const std::string& name) : q_(q), name_(name) {}
  Status RunGemm(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const;
  Status RunDepthwise(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const;
  Status RunWinograd(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const;
  Status RunAmxConv(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const;
  // output stage of channels [c0, c0+nc) x positions [p0, p0+np) from acc (row stride ld)
  bool Output(const int32_t* acc, size_t ld, size_t c0, size_t nc, size_t p0, size_t np, void* out, float* tap, size_t* bad) const;

  const QLinearParams& q_;
  const std::string& name_;
  LinearAlgo algo_ = LinearAlgo::kGemm;
  // GEMM column block for the last pool size it ran on: (threads << 32) | columns, 0 = none
  // yet (chosen on the first run with that pool: a search over widths, linear_layer.cc)
  mutable std::atomic<uint64_t> column_block_{0};
  std::string kernel_;
  const kernels::IGemmKernel* gemm_ = nullptr;
  const kernels::DwConvKernel* dw_ = nullptr;
  kernels::DwConvS8Fn dw_s8_ = nullptr;  // fused int8 output stage, if the ISA has one
  kernels::OutputStageS8Fn out_s8_ = nullptr;
  kernels::Im2ColBlockFn im2col_ = nullptr;
  kernels::OutputStageF32Fn out_f32_ = nullptr;
  std::unique_ptr<kernels::WinogradConv> wino_;
  std::unique_ptr<kernels::AmxConv> amx_conv_;
  AlignedBuffer packed_a_;      // all groups, each group_a_bytes_ long: row blocks of row_block_ rows, packed apart
  size_t group_a_bytes_ = 0;
  size_t block_a_bytes_ = 0;    // one packed row block
  size_t row_block_ = 0;        // rows of A (output channels) per task: all of them unless RowBlock() splits
  bool direct_b_ = false;       // 1x1, stride 1, no padding: the input planes are already B
  // gemm_->run_s8 may be used: an int8-output convolution (NCHW rows) whose biases all keep
  // acc + bias inside int32 (|bias| <= INT32_MAX - K*127^2), so the fused stage never overflows
  bool fused_s8_ = false;
};

}  // namespace eq
