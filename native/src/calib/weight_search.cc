// Per-channel weight-scale search (eq.ts searchWeights), all channels of a layer in one pass
// over the data: the input is quantized and im2col'd once ([group][K][images*np], int8),
// then each channel walks its candidate grid, updating its accumulators by the change of its
// quantized weights from the previous candidate (the first candidate starts from zero).
#include <algorithm>
#include <string>
#include <vector>

#include "calib/calib_common.h"
#include "calib/eq_search.h"
#include "calib/int_axpy.h"
#include "common/thread_pool.h"

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
  const size_t np = a.np, N = a.images * np, K = g.K, G = g.group, coutg = g.cout / G;
  const float q = static_cast<float>(a.qmax);
  ThreadPool pool(a.threads);
  auto cancelled = [&] { return a.cancel && *a.cancel != 0; };

  // quantized im2col of every image at the sampled positions (int8): cols[(grp*K + k)*N + i*np + j]
  std::vector<int8_t> cols(G * K * N);
  pool.ParallelFor(a.images, [&](size_t i, int) {
    std::vector<float> tmp(K * np);
    for (uint32_t grp = 0; grp < G; grp++) {
      GatherCols(g, a.xs[i], grp, a.positions, np, tmp.data());
      for (size_t k = 0; k < K; k++) {
        int8_t* dst = cols.data() + (grp * K + k) * N + i * np;
        const float* src = tmp.data() + k * np;
        for (size_t j = 0; j < np; j++) dst[j] = static_cast<int8_t>(QuantizeValue(src[j], a.a_scale, q));
      }
    }
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

  const double sa = static_cast<double>(a.a_scale);
  const int T = pool.threads();
  // kB candidates are scored together: their float sums are independent chains (each in the
  // reference's order), which the CPU can overlap
  constexpr size_t kB = 4;
  std::vector<std::vector<int32_t>> ys(T, std::vector<int32_t>(N * (kB + 1)));
  std::vector<std::vector<int16_t>> prevs(T, std::vector<int16_t>(K));
  std::atomic<bool> stop{false};
  pool.ParallelFor(g.cout, [&](size_t c, int t) {
    if (stop.load(std::memory_order_relaxed) || cancelled()) {
      stop = true;
      return;
    }
    const size_t grp = c / coutg;
    const float* w = a.w_rows + c * K;
    const int8_t* ccols = cols.data() + grp * K * N;
    int32_t* y = ys[t].data();
    int32_t* snap = y + N;
    int16_t* prev = prevs[t].data();
    std::fill(y, y + N, 0);
    std::fill(prev, prev + K, 0);
    const double b = static_cast<double>(a.bias[c]);
    const double* grid = a.per_channel_grid ? a.grid + c * a.ngrid : a.grid;
    double best = -INFINITY;
    double best_s = a.current[c];
    for (size_t k0 = 0; k0 < a.ngrid; k0 += kB) {
      const size_t nb = std::min(kB, a.ngrid - k0);
      float s[kB];
      double ac[kB], ab[kB] = {0, 0, 0, 0}, bb[kB] = {0, 0, 0, 0};
      for (size_t u = 0; u < kB; u++) {
        if (u < nb) {
          s[u] = static_cast<float>(a.init[c] * grid[k0 + u]);
          for (size_t kk = 0; kk < K; kk++) {
            const int32_t wq = QuantizeValue(w[kk], s[u], q);
            const int32_t d = wq - prev[kk];
            if (d != 0) {
              AxpyI8(y, ccols + kk * N, d, N);
              prev[kk] = static_cast<int16_t>(wq);
            }
          }
        } else {
          s[u] = s[0];  // padding lanes: computed, never used
        }
        std::copy(y, y + N, snap + u * N);
        ac[u] = 1 / (sa * static_cast<double>(s[u]));
      }
      for (size_t i = 0; i < a.images; i++) {
        const float* o = a.O[i] + c * np;
        const size_t base = i * np;
        for (size_t j = 0; j < np; j++) {
          const double ov = static_cast<double>(o[j]);
          for (size_t u = 0; u < kB; u++) {
            const double v = static_cast<double>(snap[u * N + base + j]) * ac[u] + b;
            ab[u] += ov * v;
            bb[u] += v * v;
          }
        }
      }
      for (size_t u = 0; u < nb; u++) {
        const double score = CosFromSums(ab[u], aa[c], bb[u]);
        if (score > best) {
          best = score;
          best_s = static_cast<double>(s[u]);
        }
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
