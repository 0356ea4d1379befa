#include "runtime/linear_layer.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "common/cache_evict.h"
#include "kernels/dwconv_s8.h"
#include "kernels/kernels.h"

namespace eq {
namespace {

size_t DivUp(size_t a, size_t b) { return (a + b - 1) / b; }

// The widest column block per task, and the one-thread choice: big enough to amortise packing
// and the weight stream, small enough that every thread gets a few blocks (load balance) and
// the C block stays in L2. A layer with few rows and a short K (a 3-channel first convolution:
// M = 8..32, K = 27) takes 1024 columns: its blocks are cheap to hold (K x 1024 bytes of
// im2col and packed B) and each block's fixed cost — the im2col strip re-reads the input rows
// the block shares with its neighbours — was a large part of it (MobileNet v1 0.25's first
// layer 0.135 -> 0.121 ms at 1 thread on the AVX2 EPYC; network, in-process A/B: 0.99-1.03x
// at 1 thread, 1.04-1.06x at 2).
size_t MaxColumnBlock(size_t P, size_t M, size_t K, int threads) {
  size_t nb = 256;
  if (M >= 256) nb = 128;
  if (M <= 32 && K <= 64) nb = 1024;
  while (nb > 32 && DivUp(P, nb) < static_cast<size_t>(threads) * 3) nb /= 2;
  return std::min(nb, P);
}

// On several threads: the width, a multiple of 8 up to the rule above, whose blocks share out
// most evenly — the slowest thread's share of the columns the kernel really computes (its
// packed panels: a 28-column block is 32 on AVX2), the blocks handed out largest first to the
// least loaded thread, plus a small cost per block (packing, the weight stream). Equal blocks
// in a multiple of the threads (the rule before) gave ResNet-18's 14x14 layers (P = 196) seven
// 28-column blocks on 2 threads, 4 + 3 of them and 4 wasted columns in each: 1.43x on 2
// threads; 4 x 48 + 4 computes 104 columns per thread where that computed 128.
size_t ColumnBlock(size_t P, size_t M, size_t K, int threads, const kernels::IGemmKernel& k) {
  const size_t nb0 = MaxColumnBlock(P, M, K, threads);
  if (threads <= 1 || P <= 8) return nb0;
  const size_t t = static_cast<size_t>(threads);
  // cost in packed bytes: the columns a block computes, times K
  const auto cols = [&](size_t w) { return k.packed_b_bytes(K, w); };
  const size_t per_block = k.packed_b_bytes(K, 1) / 2;  // half the narrowest panel (AVX2: 4 columns)
  size_t best = nb0, best_cost = SIZE_MAX;
  for (size_t nb = 8; nb <= std::max<size_t>(nb0, 8); nb += 8) {
    const size_t w = std::min(nb, P), blocks = DivUp(P, w), cw = cols(w), cr = cols(P - (blocks - 1) * w);
    // the b - 1 equal blocks: q or q + 1 per thread; the last (smallest) to one with q
    const size_t q = (blocks - 1) / t, more = (blocks - 1) % t ? 1 : 0;
    const size_t slowest = std::max((q + more) * cw, q * cw + cr);
    const size_t cost = slowest + per_block * DivUp(blocks, t);
    if (cost < best_cost) best_cost = cost, best = w;
  }
  return best;
}

// AMX: the tile product is so fast that streaming the weights again for every column block
// costs more than load balance saves, so blocks are as wide as L2 allows (256 columns measured
// best: ResNet-18 8.3 → 7.3 ms, SqueezeNet 2.5 → 2.2 ms against the rule above), in whole
// 16-column tiles, and only as many as the threads need.
size_t ColumnBlockAmx(size_t P, int threads) {
  const size_t t = static_cast<size_t>(std::max(threads, 1));
  const size_t blocks = DivUp(DivUp(P, 256), t) * t;
  return std::min(P, (DivUp(P, blocks) + 15) & ~static_cast<size_t>(15));
}

// Rows of A (output channels) per packed block. A GEMM with few columns and large weights — a
// classifier's Gemm, a 1x1 convolution on a 1x1 map, the 7x7 layers of a ResNet's last stage
// (P = 49, 1.2-2.4 MB of weights) — costs the stream of its weights: it runs as ONE column
// block, and the threads share out the row blocks, each packing the (small) B once for the row
// blocks it takes. So the weights stream once per inference, split between the cores, where
// column blocks streamed all of them once per block (ResNet-18 fc on 2 threads 0.057 -> 0.035 ms;
// layer4's 3x3 convolutions: docs/results/runtime.md).
constexpr size_t kRowSplitMaxP = 64;
// An im2col byte costs about as much time as 100 GEMM MACs (ResNet-18 layer4.0.conv1: 113 KB in
// ~150 us, 58 M MACs in ~650 us), counted low: the pool's work threshold is in MACs
constexpr uint64_t kIm2ColByteWork = 64;
size_t RowBlock(size_t M, size_t P, size_t K) {
  if (P > kRowSplitMaxP || M < 128) return M;
  if (P > 16 && M * K < (size_t{256} << 10)) return M;
  return 64;
}

// The depthwise kernels' ISA level: the session's, or lower if EQ_DW_ISA asks for it (benchmarks
// compare depthwise kernels with everything else unchanged).
Status DepthwiseIsa(Isa isa, Isa* out) {
  *out = isa;
  const char* env = std::getenv("EQ_DW_ISA");
  if (!env || !*env) return Status::Ok();
  Isa want;
  if (!ParseIsa(env, &want)) return InvalidArgument(std::string("EQ_DW_ISA: unknown ISA level '") + env + "' (expected one of " + AvailableIsas() + ")");
  if (!IsaAvailable(want)) return InvalidArgument(std::string("EQ_DW_ISA: '") + env + "' is not available here (available: " + AvailableIsas() + ")");
  if (static_cast<int>(want) < static_cast<int>(isa)) *out = want;
  return Status::Ok();
}

}  // namespace

const char* LinearAlgoName(LinearAlgo a) {
  switch (a) {
    case LinearAlgo::kGemm: return "gemm";
    case LinearAlgo::kDepthwise: return "dw";
    case LinearAlgo::kWinograd23: return "wino23";
    case LinearAlgo::kWinograd43: return "wino43";
    case LinearAlgo::kAmxConv: return "amxconv";
  }
  return "?";
}

bool ParseLinearAlgo(const std::string& s, LinearAlgo* out) {
  for (LinearAlgo a : {LinearAlgo::kGemm, LinearAlgo::kDepthwise, LinearAlgo::kWinograd23, LinearAlgo::kWinograd43, LinearAlgo::kAmxConv})
    if (s == LinearAlgoName(a)) {
      *out = a;
      return true;
    }
  return false;
}

std::vector<LinearAlgo> LinearLayer::Candidates(const QLinearParams& q, Isa isa) {
  if (IsDepthwise(q.g)) return {LinearAlgo::kDepthwise};
  std::vector<LinearAlgo> c{LinearAlgo::kGemm};
  if (kernels::WinogradApplicable(q.g)) {
    c.push_back(LinearAlgo::kWinograd23);
    c.push_back(LinearAlgo::kWinograd43);
  }
  if (isa == Isa::kAmx && kernels::AmxConvApplicable(q.g)) c.push_back(LinearAlgo::kAmxConv);
  return c;
}

Status LinearLayer::Prepare(const QLinearParams& q, const std::string& name, Isa isa, int32_t qmax, LinearAlgo algo, std::unique_ptr<LinearLayer>* out) {
  std::unique_ptr<LinearLayer> l(new LinearLayer(q, name));
  const LinearGeom& g = q.g;
  l->algo_ = algo;
  l->out_s8_ = kernels::SelectOutputStageS8(isa);
  l->im2col_ = kernels::SelectIm2ColBlock(isa);
  l->out_f32_ = kernels::SelectOutputStageF32(isa);
  switch (algo) {
    case LinearAlgo::kGemm: {
      l->gemm_ = kernels::SelectIGemm(isa, qmax);
      const size_t M = g.cout / g.group;
      l->row_block_ = RowBlock(M, g.P, g.K);
      const size_t row_blocks = DivUp(M, l->row_block_);
      l->block_a_bytes_ = (l->gemm_->packed_a_bytes(l->row_block_, g.K) + 63) & ~static_cast<size_t>(63);
      l->group_a_bytes_ = l->block_a_bytes_ * row_blocks;
      if (!l->packed_a_.Reset(l->group_a_bytes_ * g.group)) return Status(StatusCode::kOutOfMemory, "layer '" + name + "': out of memory packing weights");
      for (uint32_t gi = 0; gi < g.group; gi++)
        for (size_t rb = 0; rb < row_blocks; rb++) {
          const size_t m0 = rb * l->row_block_, rows = std::min(l->row_block_, M - m0);
          l->gemm_->pack_a(q.weights.data() + (gi * M + m0) * g.K, rows, g.K, l->packed_a_.data() + gi * l->group_a_bytes_ + rb * l->block_a_bytes_);
        }
      l->direct_b_ = g.conv && g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padT == 0 && g.padL == 0 && g.outH == g.inH && g.outW == g.inW;
      l->fused_s8_ = l->gemm_->run_s8 && g.conv && q.int_out &&
                     kernels::BiasFitsInt32(q.bias.data(), 0, q.bias.size(), static_cast<int64_t>(g.K) * 127 * 127);
      l->kernel_ = std::string("gemm:") + l->gemm_->name;
      break;
    }
    case LinearAlgo::kDepthwise: {
      if (!IsDepthwise(g)) return InvalidArgument("layer '" + name + "' is not depthwise");
      Isa dw_isa;
      EQ_RETURN_IF_ERROR(DepthwiseIsa(isa, &dw_isa));
      l->dw_ = kernels::SelectDwConv(dw_isa, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw);
      l->dw_s8_ = kernels::SelectDwConvS8(dw_isa, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, qmax);
      const char* fused_name = kernels::DwConvS8Name(l->dw_s8_);
      l->kernel_ = std::string("dw:") + (fused_name && q.int_out ? fused_name : l->dw_->name);
      break;
    }
    case LinearAlgo::kAmxConv:
      l->amx_conv_ = isa == Isa::kAmx ? kernels::MakeAmxConv(g, q.weights.data()) : nullptr;
      if (!l->amx_conv_) return InvalidArgument("layer '" + name + "': amxconv does not apply to this layer (dilation-1 group-1 convolutions at the amx ISA level only)");
      l->kernel_ = "amxconv:amx-tdpbssd";
      break;
    case LinearAlgo::kWinograd23:
    case LinearAlgo::kWinograd43:
      l->wino_ = kernels::MakeWinogradConv(g, q.weights.data(), qmax, algo == LinearAlgo::kWinograd23 ? 2 : 4, isa);
      if (!l->wino_) return InvalidArgument(std::string("layer '") + name + "': " + LinearAlgoName(algo) + " does not apply to this layer");
      l->kernel_ = std::string(LinearAlgoName(algo)) + ":" + l->wino_->name();
      break;
  }
  *out = std::move(l);
  return Status::Ok();
}

bool LinearLayer::Output(const int32_t* acc, size_t ld, size_t c0, size_t nc, size_t p0, size_t np, void* out, float* tap, size_t* bad) const {
  const LinearGeom& g = q_.g;
  // output layout: NCHW for conv (c*P + p), [P][cout] for gemm (p*cout + c)
  const size_t cstride = g.conv ? g.P : 1, pstride = g.conv ? 1 : g.cout;
  const kernels::OutputStage stage{q_.bias.data(), q_.mult.data(), q_.tap_mult.data(), q_.lo, q_.hi, q_.has_act, q_.act_min, q_.act_max, q_.zero};
  return q_.int_out ? out_s8_(acc, ld, c0, nc, p0, np, stage, static_cast<int8_t*>(out), cstride, pstride, tap, bad)
                    : out_f32_(acc, ld, c0, nc, p0, np, stage, static_cast<float*>(out), cstride, pstride, tap, bad);
}

void LinearLayer::EvictWeights() const {
  EvictFromCaches(packed_a_.data(), packed_a_.size());
  if (algo_ == LinearAlgo::kDepthwise) EvictFromCaches(q_.weights.data(), q_.weights.size());  // read unpacked
  if (wino_) wino_->EvictWeights();
  if (amx_conv_) amx_conv_->EvictWeights();
}

Status LinearLayer::Run(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const {
  switch (algo_) {
    case LinearAlgo::kGemm: return RunGemm(x, out, tap, pool, ws);
    case LinearAlgo::kDepthwise: return RunDepthwise(x, out, tap, pool, ws);
    case LinearAlgo::kAmxConv: return RunAmxConv(x, out, tap, pool, ws);
    default: return RunWinograd(x, out, tap, pool, ws);
  }
}

namespace {
Status Overflow(const std::string& name, size_t c) { return RuntimeError("layer '" + name + "': int32 accumulator overflow (channel " + std::to_string(c) + ")"); }
Status NoMemory(const std::string& name) { return Status(StatusCode::kOutOfMemory, "layer '" + name + "': out of memory for scratch buffers"); }
}  // namespace

Status LinearLayer::RunGemm(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const {
  const LinearGeom& g = q_.g;
  const size_t M = g.cout / g.group, K = g.K, P = g.P;
  const size_t mb = row_block_, row_blocks = DivUp(M, mb);
  const uint64_t threads = static_cast<uint64_t>(pool.threads());
  uint64_t cached = column_block_.load(std::memory_order_relaxed);
  if (cached >> 32 != threads) {  // the column block for this pool size, chosen once
    const size_t w = row_blocks > 1 ? P : gemm_->isa == Isa::kAmx ? ColumnBlockAmx(P, pool.threads()) : ColumnBlock(P, M, K, pool.threads(), *gemm_);
    cached = threads << 32 | w;
    column_block_.store(cached, std::memory_order_relaxed);
  }
  const size_t nb = static_cast<size_t>(cached & 0xffffffffu);
  const size_t blocks = DivUp(P, nb);
  const size_t block_bytes = (gemm_->packed_b_bytes(K, nb) + 63) & ~static_cast<size_t>(63);
  std::atomic<bool> failed{false}, oom{false};
  std::atomic<size_t> bad_channel{0};
  // convolutions other than 1x1/s1: each thread builds the im2col of its own column block
  // (K x nb, in its cache) and packs it; a shared K x P im2col written by all threads and read
  // back by others was slower on 1 thread and did not scale on 2
  // Split rows with an im2col (ResNet-18 layer4.0.conv1: 3x3/2 on 14x14, K = 2304, P = 49):
  // every run needs all of B, and an im2col per run was each thread building the same 113 KB
  // (a quarter of the layer's time). The threads build it once instead, a share of the
  // channels each, into one K x P matrix that every run then packs from.
  // Split rows: one task per row block, claimed from both ends (thread_pool.h), so a core that
  // is slower this run takes fewer; each thread packs B once per call for all it takes. One
  // contiguous run per thread left the caller waiting 20-110 us per ResNet-18 layer4 layer for
  // the worker, whose equal share ran 10-20 % longer with the caches cold (2-vCPU EPYC).
  const size_t runs = row_blocks > 1 ? row_blocks : 1;
  const size_t im2col_parts = std::min<size_t>(runs, static_cast<size_t>(pool.threads()));
  const bool shared_im2col = !direct_b_ && g.conv && runs > 1 && g.group == 1;
  const bool block_im2col = !direct_b_ && g.conv && !shared_im2col;
  const bool fused = fused_s8_ && !tap;
  const kernels::OutputStage stage{q_.bias.data(), q_.mult.data(), q_.tap_mult.data(), q_.lo, q_.hi, q_.has_act, q_.act_min, q_.act_max, q_.zero};
  const size_t cols_bytes = block_im2col ? ((K * nb + 63) & ~static_cast<size_t>(63)) : 0;
  for (uint32_t gi = 0; gi < g.group; gi++) {
    const int8_t* B = nullptr;
    if (direct_b_) {
      B = x + static_cast<size_t>(gi) * K * P;  // K == cin/group, rows are the input planes
    } else if (!g.conv) {
      int8_t* cols = reinterpret_cast<int8_t*>(ws.Shared(Workspace::kCols, K * P));
      if (!cols) return NoMemory(name_);
      kernels::PackGemmInputS8(x, g.P, g.K, cols);
      B = cols;
    } else if (shared_im2col) {
      int8_t* cols = reinterpret_cast<int8_t*>(ws.Shared(Workspace::kCols, K * P));
      if (!cols) return NoMemory(name_);
      const size_t taps = static_cast<size_t>(g.kh) * g.kw, hw = static_cast<size_t>(g.inH) * g.inW;
      pool.ParallelFor(im2col_parts, [&](size_t t, int) {
        // channels [c0, c1) are rows [c0 * taps, c1 * taps) of the matrix: the same im2col on
        // a geometry of just those input channels
        const size_t c0 = g.cin * t / im2col_parts, c1 = g.cin * (t + 1) / im2col_parts;
        if (c1 <= c0) return;
        LinearGeom part = g;
        part.cin = static_cast<uint32_t>(c1 - c0);
        part.K = static_cast<uint32_t>((c1 - c0) * taps);
        im2col_(x + c0 * hw, part, 0, 0, P, cols + c0 * taps * P);
      }, static_cast<uint64_t>(K) * P * kIm2ColByteWork);
      B = cols;
    }
    const uint8_t* pa = packed_a_.data() + gi * group_a_bytes_;
    // tasks: column blocks, or (split rows: one column block) row blocks
    // work: M*K per column, counted for at least 16 columns — a few-column GEMM (a classifier)
    // costs the stream of its weights, not its M*K*P MACs (AMX pads it to a 16-column tile anyway)
    std::vector<uint8_t> packed(runs > 1 ? static_cast<size_t>(pool.threads()) : 0, 0);  // split rows: B packed by this thread
    pool.ParallelFor(blocks * runs, [&](size_t task, int thread) {
      const size_t blk = task / runs, run = task % runs;
      const size_t rb0 = row_blocks * run / runs, rb1 = row_blocks * (run + 1) / runs;
      const size_t n0 = blk * nb, nc = std::min(nb, P - n0);
      uint8_t* mem = ws.PerThread(thread, block_bytes + mb * nb * sizeof(int32_t) + cols_bytes);
      if (!mem) {
        oom = true;
        return;
      }
      int32_t* C = reinterpret_cast<int32_t*>(mem + block_bytes);
      if (runs > 1 && packed[static_cast<size_t>(thread)]) {
        // this thread's packed B of the one column block is still in mem
      } else if (block_im2col) {
        int8_t* cols = reinterpret_cast<int8_t*>(mem + block_bytes + mb * nb * sizeof(int32_t));
        im2col_(x, g, gi, n0, n0 + nc, cols);
        gemm_->pack_b(cols, nc, K, nc, mem);
      } else {
        gemm_->pack_b(B + n0, P, K, nc, mem);
      }
      if (runs > 1) packed[static_cast<size_t>(thread)] = 1;
      for (size_t rb = rb0; rb < rb1; rb++) {
        const size_t m0 = rb * mb, rows = std::min(mb, M - m0);
        // int8 output without a tap: the kernel's fused output stage, if it has one for this K
        if (fused && gemm_->run_s8(pa + rb * block_a_bytes_, mem, rows, nc, K, stage, gi * M + m0, n0, static_cast<int8_t*>(out), P)) continue;
        gemm_->run(pa + rb * block_a_bytes_, mem, rows, nc, K, C, nc);
        size_t bad = 0;
        if (!Output(C, nc, gi * M + m0, rows, n0, nc, out, tap, &bad)) {
          bad_channel = bad;
          failed = true;
        }
      }
    }, static_cast<uint64_t>(M) * K * std::max<size_t>(P, 16));
    if (oom) return NoMemory(name_);
    if (failed) return Overflow(name_, bad_channel);
  }
  return Status::Ok();
}

Status LinearLayer::RunDepthwise(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const {
  const LinearGeom& g = q_.g;
  const size_t C = g.cout, P = g.P;
  const size_t cb = std::max<size_t>(1, std::min<size_t>(16, DivUp(C, static_cast<size_t>(pool.threads()) * 4)));
  // requantize every few channels while their accumulators are still in cache (<= 128 KiB)
  // instead of once per 16-channel block (800 KiB at 112x112)
  const size_t sub = std::max<size_t>(1, std::min<size_t>(cb, (128 << 10) / (P * sizeof(int32_t) + 1)));
  std::atomic<bool> failed{false}, oom{false};
  std::atomic<size_t> bad_channel{0};
  pool.ParallelFor(DivUp(C, cb), [&](size_t blk, int thread) {
    const size_t c0 = blk * cb, c1 = std::min(C, c0 + cb);
    // int8 output without a tap: the fused kernel, unless it declines (bias near the int32 limit)
    if (dw_s8_ && q_.int_out && !tap) {
      const kernels::OutputStage stage{q_.bias.data(), q_.mult.data(), q_.tap_mult.data(), q_.lo, q_.hi, q_.has_act, q_.act_min, q_.act_max, q_.zero};
      if (dw_s8_(x, q_.weights.data(), g.inH, g.inW, g.outH, g.outW, g.kh, g.kw, g.sh, g.sw, g.padT, g.padL, q_.pad, c0, c1, stage, static_cast<int8_t*>(out)))
        return;
    }
    int32_t* acc = reinterpret_cast<int32_t*>(ws.PerThread(thread, sub * P * sizeof(int32_t)));
    if (!acc) {
      oom = true;
      return;
    }
    for (size_t s0 = c0; s0 < c1; s0 += sub) {
      const size_t s1 = std::min(c1, s0 + sub);
      dw_->run(x, q_.weights.data(), g.inH, g.inW, g.outH, g.outW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padT, g.padL, q_.pad, s0, s1, acc);
      size_t bad = 0;
      if (!Output(acc, P, s0, s1 - s0, 0, P, out, tap, &bad)) {
        bad_channel = bad;
        failed = true;
        return;
      }
    }
  }, static_cast<uint64_t>(C) * P * g.kh * g.kw);
  if (oom) return NoMemory(name_);
  if (failed) return Overflow(name_, bad_channel);
  return Status::Ok();
}

Status LinearLayer::RunWinograd(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const {
  const LinearGeom& g = q_.g;
  const size_t C = g.cout, P = g.P;
  int32_t* acc = reinterpret_cast<int32_t*>(ws.Shared(Workspace::kAcc, C * P * sizeof(int32_t)));
  uint8_t* scratch = ws.Shared(Workspace::kWino, wino_->scratch_bytes(pool.threads()));
  if (!acc || !scratch) return NoMemory(name_);
  std::atomic<bool> failed{false};
  std::atomic<size_t> bad_channel{0};
  // row tasks: each is requantized by the thread that computed it, while in its cache
  const kernels::WinogradConv::RowsDone rows_done = [&](size_t y0, size_t y1, size_t c0, size_t c1) {
    const size_t p0 = y0 * g.outW, np = (y1 - y0) * g.outW;
    size_t bad = 0;
    if (!Output(acc + c0 * P + p0, P, c0, c1 - c0, p0, np, out, tap, &bad)) {
      bad_channel = bad;
      failed = true;
    }
  };
  if (wino_->Run(x, acc, scratch, pool, &rows_done)) {
    if (failed) return Overflow(name_, bad_channel);
    return Status::Ok();
  }
  const size_t cb = std::max<size_t>(1, DivUp(C, static_cast<size_t>(pool.threads()) * 4));
  pool.ParallelFor(DivUp(C, cb), [&](size_t blk, int) {
    const size_t c0 = blk * cb, c1 = std::min(C, c0 + cb);
    size_t bad = 0;
    if (!Output(acc + c0 * P, P, c0, c1 - c0, 0, P, out, tap, &bad)) {
      bad_channel = bad;
      failed = true;
    }
  });
  if (failed) return Overflow(name_, bad_channel);
  return Status::Ok();
}

// Output rows in blocks of about 256 positions, a multiple of the thread count of them; each
// block is repacked, multiplied and requantized by one thread (no data passes between cores).
// Small planes whose rows do not split evenly (7x7, 13x13 on 2 threads: 4 + 3 rows) split the
// output channels instead, each thread repacking the whole (small) input.
Status LinearLayer::RunAmxConv(const int8_t* x, void* out, float* tap, ThreadPool& pool, Workspace& ws) const {
  const LinearGeom& g = q_.g;
  const size_t rs = amx_conv_->row_stride(), H = g.outH, t = static_cast<size_t>(pool.threads());
  const size_t mt = DivUp(g.cout, 16);
  size_t rows = std::max<size_t>(1, DivUp(256, rs)), cblocks = 1;
  size_t rtasks = DivUp(H, rows);
  if (t > 1 && H <= 16 && H % t != 0 && mt >= 2 * t) {
    rows = H;
    rtasks = 1;
    cblocks = t;
  } else if (t > 1) {
    rtasks = DivUp(rtasks, t) * t;
    rows = DivUp(H, rtasks);
    rtasks = DivUp(H, rows);
  }
  const size_t cmax = DivUp(mt, cblocks) * 16;  // channels of the widest channel block
  std::atomic<bool> failed{false}, oom{false};
  std::atomic<size_t> bad_channel{0};
  pool.ParallelFor(rtasks * cblocks, [&](size_t task, int thread) {
    const size_t rb = task / cblocks, cb = task % cblocks;
    const size_t y0 = rb * rows, y1 = std::min(H, y0 + rows), ld = rows * rs;
    const size_t c0 = mt * cb / cblocks * 16, c1 = std::min<size_t>(g.cout, mt * (cb + 1) / cblocks * 16);
    const size_t acc_bytes = (cmax * ld * sizeof(int32_t) + 63) & ~static_cast<size_t>(63);
    uint8_t* mem = ws.PerThread(thread, acc_bytes + amx_conv_->scratch_bytes(rows));
    if (!mem) {
      oom = true;
      return;
    }
    int32_t* acc = reinterpret_cast<int32_t*>(mem);
    amx_conv_->RunRows(x, y0, y1, c0, c1, acc, ld, mem + acc_bytes);
    for (size_t y = y0; y < y1; y++) {
      size_t bad = 0;
      if (!Output(acc + (y - y0) * rs, ld, c0, c1 - c0, y * g.outW, g.outW, out, tap, &bad)) {
        bad_channel = bad;
        failed = true;
        return;
      }
    }
  }, static_cast<uint64_t>(g.cout) * g.K * g.P);
  if (oom) return NoMemory(name_);
  if (failed) return Overflow(name_, bad_channel);
  return Status::Ok();
}

}  // namespace eq
