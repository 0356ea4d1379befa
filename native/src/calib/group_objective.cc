// Activation-scale scoring (eq.ts groupObjective): for each candidate input scale, each layer
// of the group and each image, the cosine of the whole sampled output. One task per
// (layer, image) gathers the FP32 im2col values at the sampled positions once, then per
// candidate quantizes them and computes the exact int32 outputs (the runtime's SIMD int8 GEMM,
// or plain multiply-adds for depthwise layers); four candidates' float sums run side by side.
#include <algorithm>
#include <cstring>
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

constexpr size_t kB = 4;  // candidates scored together (independent float chains)

// Sum order of the reference: channels, then positions; C is [c][j].
void Reduce(const int32_t* const* C, const double* ac, size_t nb, const ObjectiveLayer& ly, const float* o, double aa, double* out, size_t stride) {
  const size_t cout = ly.g.cout, np = ly.np;
  double ab[kB] = {0, 0, 0, 0}, bb[kB] = {0, 0, 0, 0};
  for (size_t c = 0; c < cout; c++) {
    const double b = static_cast<double>(ly.bias[c]);
    const double* acc_c = ac + c * kB;
    const float* oc = o + c * np;
    for (size_t j = 0; j < np; j++) {
      const double ov = static_cast<double>(oc[j]);
      for (size_t u = 0; u < kB; u++) {
        const double v = static_cast<double>(C[u][c * np + j]) * acc_c[u] + b;
        ab[u] += ov * v;
        bb[u] += v * v;
      }
    }
  }
  for (size_t u = 0; u < nb; u++) out[u * stride] = CosFromSums(ab[u], aa, bb[u]);
}

void DenseScores(const ObjectiveArgs& a, size_t l, size_t i, const float* f, const kernels::IGemmKernel* gemm, const std::vector<Aligned>& pa,
                 const std::vector<double>& wsf, const std::vector<int32_t>& corr, float q, std::atomic<bool>* stop) {
  const ObjectiveLayer& ly = a.layers[l];
  const size_t np = ly.np, K = ly.g.K, G = ly.g.group, cout = ly.g.cout, coutg = cout / G, per = K * np, L = a.layers.size();
  std::vector<int8_t> qc(per);
  Aligned pb(gemm->packed_b_bytes(K, np));
  if (!pb.p) {
    *stop = true;
    return;
  }
  std::vector<int32_t> Cbuf(kB * cout * np);
  const int32_t* C[kB];
  for (size_t u = 0; u < kB; u++) C[u] = Cbuf.data() + u * cout * np;
  const float* o = ly.O[i];
  double aa = 0;
  for (size_t e = 0; e < cout * np; e++) aa += static_cast<double>(o[e]) * static_cast<double>(o[e]);
  std::vector<double> ac(cout * kB);
  for (size_t t0 = 0; t0 < a.nscales; t0 += kB) {
    if (a.cancel && *a.cancel != 0) {
      *stop = true;
      return;
    }
    const size_t nb = std::min(kB, a.nscales - t0);
    for (size_t u = 0; u < kB; u++) {
      const float sa = InputScale(static_cast<float>(a.scales[t0 + (u < nb ? u : 0)]), a.unsigned_input);
      if (u < nb || u == 0) {
        for (size_t grp = 0; grp < G; grp++) {
          if (a.unsigned_input) QuantizeBlockU(f + grp * per, per, sa, q, qc.data());
          else QuantizeBlock(f + grp * per, per, sa, q, qc.data());
          int32_t* Cg = Cbuf.data() + u * cout * np + grp * coutg * np;
          if (!pa.empty()) {
            gemm->pack_b(qc.data(), np, K, np, pb.p);
            gemm->run(pa[grp].p, pb.p, coutg, np, K, Cg, np);
          } else {
            // few channels per group (depthwise): plain multiply-adds over the positions
            std::fill(Cg, Cg + coutg * np, 0);
            for (size_t cg = 0; cg < coutg; cg++) {
              const int8_t* w = ly.wq + (grp * coutg + cg) * K;
              for (size_t k = 0; k < K; k++)
                if (w[k] != 0) AxpyI8(Cg + cg * np, qc.data() + k * np, w[k], np);
            }
          }
        }
        if (a.unsigned_input) {
          int32_t* Cu = Cbuf.data() + u * cout * np;
          for (size_t c = 0; c < cout; c++)
            for (size_t j = 0; j < np; j++) Cu[c * np + j] += corr[c];
        }
      } else {
        std::copy(C[0], C[0] + cout * np, Cbuf.data() + u * cout * np);
      }
      const double sad = static_cast<double>(sa);
      for (size_t c = 0; c < cout; c++) ac[c * kB + u] = 1 / (sad * wsf[c]);
    }
    Reduce(C, ac.data(), nb, ly, o, aa, a.out_cos + (t0 * L + l) * a.images + i, L * a.images);
  }
}

}  // namespace

Status GroupObjectiveCosines(const ObjectiveArgs& a) {
  const size_t L = a.layers.size();
  if (L == 0 || a.images == 0 || a.nscales == 0) return InvalidArgument("calib: empty objective request");
  for (const ObjectiveLayer& l : a.layers) {
    if (l.g.cout == 0 || l.g.K == 0 || l.g.group == 0 || l.g.cout % l.g.group != 0 || l.np == 0 || l.np > l.g.P)
      return InvalidArgument("calib: bad layer geometry");
  }
  const float q = static_cast<float>(a.qmax);
  ThreadPool pool(a.threads);
  auto cancelled = [&] { return a.cancel && *a.cancel != 0; };

  std::vector<std::vector<double>> wsf(L);  // float32-rounded weight scales
  std::vector<std::vector<int32_t>> corr(L);  // unsigned grid: q * sum_k w[c][k]
  for (size_t l = 0; l < L; l++) {
    const ObjectiveLayer& ly = a.layers[l];
    wsf[l].resize(ly.g.cout);
    for (size_t c = 0; c < ly.g.cout; c++) wsf[l][c] = static_cast<double>(static_cast<float>(ly.w_scales[c]));
    if (a.unsigned_input) {
      corr[l].resize(ly.g.cout);
      for (size_t c = 0; c < ly.g.cout; c++) corr[l][c] = OffsetCorrection(ly.wq + c * ly.g.K, ly.g.K, 1, a.qmax);
    }
  }

  // layers with many output channels per group run the int8 GEMM kernel (SIMD); depthwise-like
  // ones plain multiply-adds
  constexpr size_t kDenseMinCout = 8;
  const kernels::IGemmKernel* gemm = kernels::SelectIGemm(a.isa, a.qmax);
  std::vector<std::vector<Aligned>> packed(L);
  for (size_t l = 0; l < L; l++) {
    const ObjectiveLayer& ly = a.layers[l];
    const size_t K = ly.g.K, G = ly.g.group, coutg = ly.g.cout / G;
    if (coutg < kDenseMinCout) continue;
    for (size_t grp = 0; grp < G; grp++) {
      packed[l].emplace_back(gemm->packed_a_bytes(coutg, K));
      if (!packed[l].back().p) return Status(StatusCode::kOutOfMemory, "calib: out of memory for packed weights");
      gemm->pack_a(ly.wq + grp * coutg * K, coutg, K, packed[l].back().p);
    }
  }

  std::atomic<bool> stop{false};
  pool.ParallelFor(L * a.images, [&](size_t task, int) {
    if (stop.load(std::memory_order_relaxed)) return;
    const size_t l = task / a.images, i = task % a.images;
    const ObjectiveLayer& ly = a.layers[l];
    const LinearGeom& g = ly.g;
    const size_t np = ly.np, K = g.K, G = g.group;
    const size_t per = K * np;
    std::vector<float> f(G * per);
    for (uint32_t grp = 0; grp < G; grp++) GatherCols(g, a.xs[i], grp, ly.positions, np, f.data() + grp * per);
    DenseScores(a, l, i, f.data(), gemm, packed[l], wsf[l], corr[l], q, &stop);
  });
  if (stop || cancelled()) return Status(StatusCode::kRuntimeError, "calibration cancelled");
  return Status::Ok();
}

}  // namespace calib
}  // namespace eq
