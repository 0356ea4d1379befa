// Per-channel weight-scale search (eq.ts searchWeights), all channels of a layer in one pass
// over the data. The input is quantized and im2col'd once; then, per channel, the exact int32
// outputs of every candidate at every scored position come from one int8 GEMM (the runtime's
// SelectIGemm kernel): A = the scored positions' input rows ([positions][K], packed once per
// layer in blocks of kRows positions), B = the channel's quantized weights under each
// candidate scale ([K][candidates], packed per channel). The GEMM is several times faster per
// multiply-add than updating one accumulator row per changed weight (the previous scheme), and
// C[position][candidate] lets the float sums run vectorised across candidates.
#include <algorithm>
#include <string>
#include <vector>

#include "calib/calib_common.h"
#include "calib/eq_search.h"
#include "calib/int_axpy.h"
#include "common/thread_pool.h"
#include "kernels/igemm.h"
#include "kernels/isa.h"

namespace eq {
namespace calib {

namespace {

Status CheckGeom(const LinearGeom& g, size_t np) {
  if (g.cout == 0 || g.K == 0 || g.group == 0 || g.cout % g.group != 0) return InvalidArgument("calib: bad layer geometry");
  if (np == 0 || np > g.P) return InvalidArgument("calib: bad number of sampled positions");
  return Status::Ok();
}

}  // namespace

Status WeightSearch(const WeightSearchArgs& a) {
  const LinearGeom& g = a.g;
  EQ_RETURN_IF_ERROR(CheckGeom(g, a.np));
  if (a.images == 0 || a.ngrid == 0) return InvalidArgument("calib: no images or no candidates");
  const size_t np = a.np, N = a.images * np, K = g.K, G = g.group, coutg = g.cout / G, T = a.ngrid;
  const float q = static_cast<float>(a.qmax);
  const float se = InputScale(a.a_scale, a.unsigned_input);
  const bool un = a.unsigned_input;
  const kernels::IGemmKernel* gemm = kernels::SelectIGemm(a.isa, a.qmax);
  ThreadPool pool(a.threads);
  auto cancelled = [&] { return a.cancel && *a.cancel != 0; };

  // Scored positions in blocks of kRows (image-major, as the reference sums them): the block's
  // quantized input rows [kRows][K] packed as a GEMM A operand, and its C block
  // [kRows][candidates] int32 stay in L2.
  constexpr size_t kRows = 384;
  const size_t nblk = (N + kRows - 1) / kRows;
  std::vector<Aligned> packed;
  packed.reserve(G * nblk);
  for (size_t e = 0; e < G * nblk; e++) {
    const size_t rows = std::min(kRows, N - (e % nblk) * kRows);
    packed.emplace_back(gemm->packed_a_bytes(rows, K));
    if (!packed.back().p) return Status(StatusCode::kOutOfMemory, "calib: out of memory for the packed layer input");
  }
  pool.ParallelFor(G * nblk, [&](size_t e, int) {
    const size_t grp = e / nblk, n0 = (e % nblk) * kRows, rows = std::min(kRows, N - n0);
    std::vector<float> tmp(K * std::min(np, rows));
    std::vector<int32_t> pos;
    std::vector<int8_t> xq(rows * K);
    // rows n0..n0+rows-1 are positions j0..j1-1 of images n0/np, ...: gather just those
    for (size_t i = n0 / np; i * np < n0 + rows; i++) {
      const size_t j0 = n0 > i * np ? n0 - i * np : 0, j1 = std::min(np, n0 + rows - i * np), cnt = j1 - j0;
      pos.resize(cnt);
      for (size_t j = 0; j < cnt; j++) pos[j] = a.positions ? a.positions[j0 + j] : static_cast<int32_t>(j0 + j);
      GatherCols(g, a.xs[i], static_cast<uint32_t>(grp), pos.data(), cnt, tmp.data());
      for (size_t j = 0; j < cnt; j++) {
        int8_t* dst = xq.data() + (i * np + j0 + j - n0) * K;
        for (size_t k = 0; k < K; k++) dst[k] = static_cast<int8_t>(un ? QuantizeValueU(tmp[k * cnt + j], se, q) : QuantizeValue(tmp[k * cnt + j], se, q));
      }
    }
    gemm->pack_a(xq.data(), rows, K, packed[e].p);
  });

  // |O_c|^2 summed per image over positions, then over images in order (eq.ts layerData, aa)
  std::vector<double> aa(g.cout);
  for (size_t c = 0; c < g.cout; c++) {
    double sum = 0;
    for (size_t i = 0; i < a.images; i++) {
      const float* o = a.O[i] + c * np;
      double s = 0;
      for (size_t j = 0; j < np; j++) s += static_cast<double>(o[j]) * static_cast<double>(o[j]);
      sum += s;
    }
    aa[c] = sum;
  }

  const double sa = static_cast<double>(se);
  struct Scratch {
    std::vector<int8_t> wq;      // [K][T] the channel's quantized weights per candidate
    Aligned pb;                  // wq packed as the GEMM B operand
    std::vector<int32_t> C;      // [kRows][T]
    std::vector<int32_t> corr;   // [T] unsigned grid: q * sum_k of each candidate's weights
    std::vector<double> ov, ac, ab, bb;
    std::vector<float> s;
    Scratch(size_t K, size_t T, size_t bbytes) : wq(K * T), pb(bbytes), C(kRows * T), corr(T), ov(kRows), ac(T), ab(T), bb(T), s(T) {}
  };
  std::vector<Scratch> scratch;
  scratch.reserve(pool.threads());
  for (int t = 0; t < pool.threads(); t++) {
    scratch.emplace_back(K, T, gemm->packed_b_bytes(K, T));
    if (!scratch.back().pb.p) return Status(StatusCode::kOutOfMemory, "calib: out of memory for the candidate weights");
  }
  std::atomic<bool> stop{false};
  pool.ParallelFor(g.cout, [&](size_t c, int t) {
    if (stop.load(std::memory_order_relaxed) || cancelled()) {
      stop = true;
      return;
    }
    Scratch& w = scratch[t];
    const size_t grp = c / coutg;
    const float* wrow = a.w_rows + c * K;
    const double* grid = a.per_channel_grid ? a.grid + c * T : a.grid;
    for (size_t u = 0; u < T; u++) {
      w.s[u] = static_cast<float>(a.init[c] * grid[u]);
      w.ac[u] = 1 / (sa * static_cast<double>(w.s[u]));
    }
    for (size_t k = 0; k < K; k++)
      for (size_t u = 0; u < T; u++) w.wq[k * T + u] = static_cast<int8_t>(QuantizeValue(wrow[k], w.s[u], q));
    gemm->pack_b(w.wq.data(), T, K, T, w.pb.p);
    if (un)
      for (size_t u = 0; u < T; u++) w.corr[u] = OffsetCorrection(w.wq.data() + u, K, T, a.qmax);
    std::fill(w.ab.begin(), w.ab.end(), 0.0);
    std::fill(w.bb.begin(), w.bb.end(), 0.0);
    const double b = static_cast<double>(a.bias[c]);
    for (size_t blk = 0; blk < nblk; blk++) {
      const size_t n0 = blk * kRows, rows = std::min(kRows, N - n0);
      gemm->run(packed[grp * nblk + blk].p, w.pb.p, rows, T, K, w.C.data(), T);
      if (un)
        for (size_t r = 0; r < rows; r++)
          for (size_t u = 0; u < T; u++) w.C[r * T + u] += w.corr[u];
      for (size_t r = 0; r < rows; r++) {
        const size_t n = n0 + r, i = n / np, j = n - i * np;
        w.ov[r] = static_cast<double>(a.O[i][c * np + j]);
      }
      ScoreRows(w.C.data(), rows, T, w.ac.data(), b, w.ov.data(), w.ab.data(), w.bb.data());
    }
    // the first candidate with the highest score wins (score > best), as in the reference
    double best = -INFINITY;
    double best_s = a.current[c];
    for (size_t u = 0; u < T; u++) {
      const double score = CosFromSums(w.ab[u], aa[c], w.bb[u]);
      if (score > best) {
        best = score;
        best_s = static_cast<double>(w.s[u]);
      }
    }
    a.out_scales[c] = best_s;
    if (a.out_best) a.out_best[c] = best;
  });
  if (stop || cancelled()) return Status(StatusCode::kRuntimeError, "calibration cancelled");
  return Status::Ok();
}

}  // namespace calib
}  // namespace eq
