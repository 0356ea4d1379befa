#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "format/eqm_format.h"
#include "runtime/arena_plan.h"
#include "runtime/ops/op_def.h"

namespace eq {

Status Session::Create(std::unique_ptr<Model> model, const SessionOptions& options, std::unique_ptr<Session>* out) {
  std::unique_ptr<Session> s(new Session());
  EQ_RETURN_IF_ERROR(ResolveIsa(options.isa, &s->isa_));
  if (options.threads > 1024) return InvalidArgument("threads must be at most 1024 (got " + std::to_string(options.threads) + ")");
  s->pool_.reset(new ThreadPool(options.threads));
  s->ws_.reset(new Workspace(s->pool_->threads()));
  s->model_ = std::move(model);
  Model& m = *s->model_;
  // arena: activation tensors that are never live together share bytes (arena_plan.h)
  const ArenaPlan plan = PlanArena(m);
  if (plan.total > eqm::kMaxArenaBytes) return Unsupported("the activations need more than 1 GiB");
  const std::vector<size_t>& offsets = plan.offsets;
  const size_t total = plan.total;
  if (!s->arena_.Reset(total))
    return Status(StatusCode::kOutOfMemory, "out of memory allocating the tensor arena");
  if (total) std::memset(s->arena_.data(), 0, total);
  s->ptrs_.resize(m.tensors.size());
  for (size_t i = 0; i < m.tensors.size(); i++) {
    TensorInfo& t = m.tensors[i];
    s->ptrs_[i] = t.kind == TensorKind::kConstant ? static_cast<void*>(t.data.data()) : static_cast<void*>(s->arena_.data() + offsets[i]);
  }
  // the input is read in place by Run unless the graph writes it or returns it as an output
  s->input_borrowable_ = std::find(m.outputs.begin(), m.outputs.end(), m.input) == m.outputs.end();
  for (const Op& op : m.ops) {
    if (op.output == m.input || std::find(op.fn.outputs.begin(), op.fn.outputs.end(), m.input) != op.fn.outputs.end()) s->input_borrowable_ = false;
  }
  s->tap_index_.assign(m.ops.size(), -1);
  for (size_t k = 0; k < m.ops.size(); k++) {
    const Op& op = m.ops[k];
    if (op.kind != OpKind::kQLinear) continue;
    s->tap_index_[k] = static_cast<int>(s->taps_.size());
    LayerTap tap;
    tap.layer = op.name;
    tap.output = op.output;
    s->taps_.push_back(std::move(tap));
  }
  EQ_RETURN_IF_ERROR(s->PrepareLayers(options));
  *out = std::move(s);
  return Status::Ok();
}

const void* Session::TensorData(int32_t idx) const {
  if (idx < 0 || static_cast<size_t>(idx) >= ptrs_.size()) return nullptr;
  return ptrs_[idx];
}

Status Session::Run(const float* input, const int64_t* dims, size_t rank, size_t numel) {
  const TensorInfo& in = model_->tensors[model_->input];
  bool same = rank == in.dims.size();
  for (size_t i = 0; same && i < rank; i++) same = dims[i] == in.dims[i];
  if (!same || numel != static_cast<size_t>(in.numel)) {
    std::string got = "[", want = "[";
    for (size_t i = 0; i < rank; i++) got += (i ? "," : "") + std::to_string(dims[i]);
    for (size_t i = 0; i < in.dims.size(); i++) want += (i ? "," : "") + std::to_string(in.dims[i]);
    return InvalidArgument("input '" + in.name + "' has shape " + got + "] (" + std::to_string(numel) + " values), the model expects " + want + "] (" +
                           std::to_string(in.numel) + " values)");
  }
  pool_->Wake();  // a sleeping worker starts now, not at the first split layer (thread_pool.h)
  // The ops read the caller's input where it is (no op writes it, and no float kernel needs
  // more than float alignment): copying it into the arena first was 2.5 % of MobileNet v1 0.25
  // (600 KB per run). The arena slot is put back however the run ends.
  void* const own = ptrs_[model_->input];
  const bool borrow = input_borrowable_ && reinterpret_cast<uintptr_t>(input) % alignof(float) == 0;
  if (borrow) ptrs_[model_->input] = const_cast<float*>(input);
  else std::memcpy(own, input, numel * sizeof(float));
  struct Restore {
    std::vector<void*>& ptrs;
    int32_t idx;
    void* own;
    ~Restore() { ptrs[idx] = own; }
  } restore{ptrs_, model_->input, own};
  for (LayerTap& t : taps_) {
    if (taps_enabled_) t.pre.assign(static_cast<size_t>(model_->tensors[t.output].numel), 0.f);
    else t.pre.clear();
    t.q.clear();
  }
  for (size_t k = 0; k < model_->ops.size(); k++) {
    const auto t0 = std::chrono::steady_clock::now();
    EQ_RETURN_IF_ERROR(RunOp(k));
    profile_[k].total_ns += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    profile_[k].calls++;
  }
  return Status::Ok();
}

void Session::ResetProfile() {
  for (OpProfile& p : profile_) {
    p.total_ns = 0;
    p.calls = 0;
  }
}

Status Session::PrepareLayers(const SessionOptions& options) {
  const Model& m = *model_;
  std::string forced = options.conv_algo;
  if (forced.empty()) {
    const char* env = std::getenv("EQ_CONV_ALGO");
    if (env) forced = env;
  }
  LinearAlgo forced_algo = LinearAlgo::kGemm;
  if (!forced.empty() && forced != "auto" && !ParseLinearAlgo(forced, &forced_algo))
    return InvalidArgument("unknown convolution algorithm '" + forced + "' (expected auto, gemm, wino23, wino43 or amxconv)");
  const bool force = !forced.empty() && forced != "auto";
  layers_.resize(m.ops.size());
  serial_.assign(m.ops.size(), false);
  profile_.resize(m.ops.size());
  if (pool_->threads() > 1) serial_pool_.reset(new ThreadPool(1));
  // bound[t]: the largest |q| an int8 tensor can hold (its producer's clamp; pooling, relu and
  // reshape pass their input's bound on), so a mixed INT7/INT8 model picks the INT7 kernels
  // only where both the weights and the input stay within 63
  std::vector<int32_t> bound(m.tensors.size(), 127);
  for (size_t k = 0; k < m.ops.size(); k++) {
    const Op& op = m.ops[k];
    if (op.output >= 0) {
      const bool pass = op.kind == OpKind::kQMaxPool || op.kind == OpKind::kQRelu || op.kind == OpKind::kQReshape;
      bound[op.output] = pass && !op.inputs.empty() && op.inputs[0] >= 0 ? bound[op.inputs[0]] : op.qmax;
    }
  }
  for (size_t k = 0; k < m.ops.size(); k++) {
    const Op& op = m.ops[k];
    OpProfile& prof = profile_[k];
    prof.name = op.name;
    prof.kind = OpKindName(op.kind);
    prof.work = op.work;
    prof.threads = pool_->threads();
    if (op.kind == OpKind::kFloat) prof.kernel = "fp32:" + op.fn.op_type;
    else if (op.kind != OpKind::kQLinear) prof.kernel = std::string("int8:") + OpKindName(op.kind);
    if (op.kind != OpKind::kQLinear) continue;
    int32_t w_bound = op.qmax;
    if (w_bound > 63 && std::all_of(op.ql.weights.begin(), op.ql.weights.end(), [](int8_t w) { return w >= -63 && w <= 63; })) w_bound = 63;
    const int32_t kernel_qmax = std::max(w_bound, bound[op.inputs[0]]);
    std::vector<LinearAlgo> cands = LinearLayer::Candidates(op.ql, isa_);
    if (force) {
      if (std::find(cands.begin(), cands.end(), forced_algo) != cands.end()) cands = {forced_algo};
      else cands.resize(1);
    } else if (!options.autotune) {
      cands.resize(1);
    }
    // (algorithm, ISA level) trials: at the amx level a GEMM layer also tries the AVX-512 VNNI
    // kernel — AMX pads M to 16 and K to 64 and reloads its tile configuration per call, which
    // loses on the thin layers of small nets (MobileNet v1 0.25 ran 25 % slower all-AMX)
    std::vector<std::pair<LinearAlgo, Isa>> trials;
    for (LinearAlgo a : cands) {
      trials.emplace_back(a, isa_);
      if (a == LinearAlgo::kGemm && isa_ == Isa::kAmx && options.autotune && !force) trials.emplace_back(a, Isa::kAvx512Vnni);
    }
    // trials: each candidate algorithm on the pool and, with several threads, on the caller
    // alone — on some hosts moving a small layer's data between cores costs more than the
    // second core saves (MobileNets ran slower on 2 threads than on 1). Not for large layers:
    // there the split always wins on an idle machine, and a burst of load on the other core
    // while the session loads made ResNet-18's 512-channel 3x3 layers run alone for the
    // session's life (0.76 instead of 0.45 ms each; docs/results/runtime.md, session 41).
    const bool serial_trials = options.autotune && !force && pool_->threads() > 1 && op.work < kSerialTrialMaxWork;
    const bool timed_trials = trials.size() > 1 || serial_trials;
    std::vector<std::unique_ptr<LinearLayer>> layers;
    for (const auto& [a, trial_isa] : trials) {
      std::unique_ptr<LinearLayer> l;
      EQ_RETURN_IF_ERROR(LinearLayer::Prepare(op.ql, op.name, trial_isa, kernel_qmax, a, &l));
      layers.push_back(std::move(l));
      if (!timed_trials) break;
    }
    size_t best = 0;
    bool best_serial = false;
    if (timed_trials) {
      const int modes = serial_trials ? 2 : 1;
      std::vector<double> us;
      EQ_RETURN_IF_ERROR(TimeTrials(op, layers, modes, &us));
      double best_us = 0;
      for (size_t t = 0; t < layers.size(); t++) {
        prof.tuned.emplace_back(layers[t]->kernel(), us[t * modes]);
        for (int mode = 0; mode < modes; mode++) {
          const double v = us[t * modes + mode];
          if ((t == 0 && mode == 0) || v < best_us) {
            best_us = v;
            best = t;
            best_serial = mode == 1;
          }
        }
      }
    }
    serial_[k] = best_serial;
    prof.threads = best_serial ? 1 : pool_->threads();
    prof.kernel = layers[best]->kernel();
    layers_[k] = std::move(layers[best]);
  }
  return Status::Ok();
}

// Autotune timing of one layer's trials: each prepared candidate on the pool (mode 0) and, with
// modes == 2, on the caller alone (mode 1). us[t * modes + mode] gets the fastest of kTimedRounds
// runs, interleaved: one run of every (candidate, mode) per round, in rotating order. Noise only
// adds time, and on a VM it mostly hits the split runs (the other vCPU descheduled for a
// millisecond): the median of 3 runs timed one after another put large layers on the caller
// alone now and then (SqueezeNet INT7 Conv_0 and Conv_7: 0.14 / 0.08 ms split, 0.25 / 0.14 ms
// alone), and the 2-thread latency of a session moved with that luck of its loading.
Status Session::TimeTrials(const Op& op, const std::vector<std::unique_ptr<LinearLayer>>& layers, int modes, std::vector<double>* us) {
  const Model& m = *model_;
  const size_t n = layers.size() * static_cast<size_t>(modes);
  // time is independent of the values, so run on a zeroed input (its arena bytes may hold an
  // earlier layer's trial output: tensors not live together share them)
  const int8_t* x = static_cast<const int8_t*>(Ptr(op.inputs[0]));
  const bool zero_input = m.tensors[op.inputs[0]].kind != TensorKind::kConstant;
  const size_t in_bytes = m.tensors[op.inputs[0]].bytes();
  // Each timed run finds its input as the network leaves it: written by the threads of the
  // layer before, in contiguous shares (thread_pool.h). Zeroed by the caller alone, the input
  // sat in the caller's cache, which flattered the caller-alone trial (SqueezeNet INT7 on 2
  // threads 1.16 -> 1.13 ms with this; docs/results/runtime.md).
  const auto prepare_input = [&] {
    if (!zero_input) return;
    uint8_t* in = static_cast<uint8_t*>(Ptr(op.inputs[0]));
    const size_t parts = static_cast<size_t>(pool_->threads()), step = (in_bytes + parts - 1) / parts;
    pool_->ParallelFor(parts, [&](size_t t, int) {
      const size_t b0 = std::min(in_bytes, t * step), b1 = std::min(in_bytes, b0 + step);
      std::memset(in + b0, 0, b1 - b0);
    });
  };
  // Each run finds the candidate's weights and the session's scratch out of the caches, as in a
  // network run (common/cache_evict.h); EQ_AUTOTUNE_WARM=1 times them cached (A/B measurements).
  const bool warm = [] {
    const char* v = std::getenv("EQ_AUTOTUNE_WARM");
    return v && std::strcmp(v, "1") == 0;
  }();
  const auto run = [&](size_t i, double* out) -> Status {
    ThreadPool& pool = i % modes == 1 ? *serial_pool_ : *pool_;
    prepare_input();
    if (!warm) {
      layers[i / modes]->EvictWeights();
      // and its scratch: warm from the trial before, a Winograd layer's accumulators and tile
      // windows (~300 KB on SqueezeNet's expand layers) made it win trials by 10 % that it lost
      // by 5 % in the network; GEMM-only ran SqueezeNet 1-5 % faster than the autotune's picks
      ws_->EvictFromCaches();
    }
    const auto t0 = std::chrono::steady_clock::now();
    EQ_RETURN_IF_ERROR(layers[i / modes]->Run(x, Ptr(op.output), nullptr, pool, *ws_));
    *out = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    return Status::Ok();
  };
  // a warm-up run of each (grows the workspace, faults its pages in); when one of them is slower than
  // kLongRunUs the warm-up runs decide, so the 1024x1024 layers of a segmentation net do not
  // make loading take a minute (caches matter little there)
  constexpr double kLongRunUs = 20000;
  constexpr int kTimedRounds = 5;
  us->assign(n, 0);
  bool long_runs = false;
  for (size_t i = 0; i < n; i++) {
    EQ_RETURN_IF_ERROR(run(i, &(*us)[i]));
    long_runs = long_runs || (*us)[i] > kLongRunUs;
  }
  if (long_runs) return Status::Ok();
  std::vector<double> runs(n * kTimedRounds);
  for (int r = 0; r < kTimedRounds; r++)
    for (size_t j = 0; j < n; j++) {
      const size_t i = (j + static_cast<size_t>(r)) % n;
      EQ_RETURN_IF_ERROR(run(i, &runs[i * kTimedRounds + r]));
    }
  for (size_t i = 0; i < n; i++) (*us)[i] = *std::min_element(&runs[i * kTimedRounds], &runs[i * kTimedRounds] + kTimedRounds);
  return Status::Ok();
}

Status Session::RunOp(size_t k) {
  const Op& op = model_->ops[k];
  const OpDef* def = FindOpDef(static_cast<uint8_t>(op.kind));
  if (!def) return RuntimeError("op '" + op.name + "': unknown op kind");
  float* tap = taps_enabled_ && tap_index_[k] >= 0 ? taps_[tap_index_[k]].pre.data() : nullptr;
  ThreadPool& pool = serial_[k] ? *serial_pool_ : *pool_;
  const OpRunCtx ctx{*model_, ptrs_.data(), isa_, pool, *ws_, layers_[k].get(), tap};
  EQ_RETURN_IF_ERROR(def->run(ctx, op));
  if (tap) {
    // the arena slot may be reused by a later op: keep the int8 output now
    const TensorInfo& out = model_->tensors[op.output];
    if (out.dtype == DType::kI8) {
      const int8_t* q = static_cast<const int8_t*>(ptrs_[op.output]);
      taps_[tap_index_[k]].q.assign(q, q + out.numel);
    }
  }
  return Status::Ok();
}

}  // namespace eq
