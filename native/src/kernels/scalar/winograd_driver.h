// The integer Winograd convolution driver, shared by every ISA: weight transform and packing,
// input packing and transform, the batched tile GEMM (the per-ISA micro-kernel K::Gemm) and
// the exact output transform. Included by winograd_<isa>.cc, which compiles it with its own
// target flags (internal linkage, see winograd_math.h); the proofs are in winograd_math.h.
//
// Data layouts (cin_p = cin rounded up to 16, cout_p = cout rounded up to K::CB):
//   xp  [cin_p/16][Hp][Wp][16] int16   the zero-padded input, 16 channels interleaved
//   V   [nxi][T][cin_p]        int16   transformed input tiles (T tiles, nxi = a·a)
//   U   [cout_p/CB][chunk][nxi][chunk_channels/2][CB][2] int16   transformed weights, channel
//                                      pairs interleaved so one 32-bit broadcast of V feeds
//                                      VPMADDWD / SMLAL; each task streams one contiguous
//                                      block (deep layers have megabytes of U: scattered
//                                      reads cost a TLB miss per slice)
//   Mb  [TB][nxi][CB]          int32   per-thread GEMM result of one tile block (wrapping)
// scratch (scratch_bytes(pool.threads()) bytes) needs only 4-byte alignment; 64 is best.
// Run, split one of two ways over the threads:
//  - channel split: (1) pack xp, (2) transform tiles into V, (3) tasks = tile blocks × output-
//    channel blocks: for each exactly-divisible channel chunk, nxi GEMMs [CB × chunk]·[chunk ×
//    tiles] into Mb, then the output transform, exact division and accumulation into acc.
//    Three parallel steps with a barrier between them: for layers where nothing else fits.
//  - row tasks (RowPlan): the tile rows in groups; a task is one group's share of the output-
//    channel blocks. A thread packs and transforms a
//    group into its own xp/V window once, for every task of that group it takes, then multiplies,
//    output-transforms and hands the rows to rows_done. No data passes between the cores inside
//    the layer and there is no barrier between the steps. Two shapes:
//      · one tile row (two for F(2,3)) per group, where U is small: every thread streams all
//        of U, which stays in its L2 (ResNet-18 layer1/layer2, SqueezeNet's expand layers);
//      · one group of all rows ("private tiles", only when forced: EQ_WINO_PRIVATE=1): each
//        thread transforms the whole input and streams only the U of the channel blocks it
//        takes — for large U and a small input (ResNet-18 layer3/layer4), where in the network
//        it now loses to the channel split.
//    Row groups make several tasks per thread, claimed from both ends (thread_pool.h): a core
//    that is slower this run takes fewer. One band per thread (before) left the caller waiting
//    25-65 us per layer for the worker on the 2-vCPU EPYC, whose task ran 10-20 % longer on
//    equal work with the caches cold, and 7 tile rows split 3 + 4. Private tiles keep one share
//    per thread (its tasks would be whole 64-channel blocks: too coarse to balance).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/cache_evict.h"
#include "format/model.h"
#include "kernels/scalar/winograd_math.h"
#include "kernels/winograd.h"

namespace eq {
namespace kernels {
namespace wino {

// K::Gemm for micro-kernels whose register block takes the tile count as a template
// parameter (K::GemmN<N>, N = 1..K::NT): picks the instantiation for the run-time count nt.
template <class K, int N = K::NT>
void GemmTiles(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int nt, int32_t* m, size_t ms) {
  if constexpr (N > 1) {
    if (nt < N) return GemmTiles<K, N - 1>(u, v, vs, kpairs, nt, m, ms);
  }
  K::template GemmN<N>(u, v, vs, kpairs, m, ms);
}
namespace {

inline size_t RoundUp(size_t v, size_t m) { return (v + m - 1) / m * m; }
inline size_t Align64(size_t v) { return RoundUp(v, 64); }

// K: micro-kernel traits { static constexpr int CB, NT, TB; static const char* isa;
//   static void Gemm(const int16_t* u, const int16_t* v, size_t vs, size_t kpairs, int nt,
//                    int32_t* m, size_t ms); }
// Gemm: m[t*ms + l] = sum_{k < kpairs} u[(k*CB + l)*2 + e] * v[t*vs + 2k + e] (e = 0, 1),
// wrapping int32, for t < nt <= NT and l < CB.
template <class F, class K>
class WinoConv final : public WinogradConv {
  static constexpr int m = F::m, a = F::a, nxi = F::nxi, CB = K::CB;

 public:
  WinoConv(const LinearGeom& g, const int8_t* w, int32_t qmax) : g_(g) {
    name_ = std::string(F::tag) + "-" + K::isa;
    tiles_h_ = (g.outH + m - 1) / m;
    tiles_w_ = (g.outW + m - 1) / m;
    T_ = tiles_h_ * tiles_w_;
    Hp_ = tiles_h_ * m + 2;
    Wp_ = tiles_w_ * m + 2;
    cin_p_ = RoundUp(g.cin, kLanes16);
    ncb_ = RoundUp(g.cout, CB) / CB;
    // tile blocks of at most K::TB tiles, balanced, in whole micro-kernel widths: few tiles
    // (deep layers) make one block so the large transformed weights stream only once
    const size_t nblk = (T_ + K::TB - 1) / K::TB;
    tb_ = std::min<size_t>(K::TB, RoundUp((T_ + nblk - 1) / nblk, K::NT));
    ntb_ = (T_ + tb_ - 1) / tb_;
    // equal chunks of whole 16-channel blocks, each within the exact-division limit
    const size_t limit = static_cast<size_t>(ChunkLimit<F>(qmax));
    const size_t nchunks = (cin_p_ + limit - 1) / limit;
    const size_t step = RoundUp((cin_p_ + nchunks - 1) / nchunks, kLanes16);
    for (size_t c0 = 0; c0 < cin_p_; c0 += step) chunks_.push_back({c0, std::min(cin_p_, c0 + step)});
    PackWeights(w);
  }

  bool ok() const { return U_.data() != nullptr; }  // false: the weight allocation failed
  const char* name() const override { return name_.c_str(); }

  size_t scratch_bytes(int threads) const override {
    const size_t t = static_cast<size_t>(std::max(threads, 1));
    const size_t split = XpBytes() + VBytes() + t * MBytes();
    const RowPlan rp = PlanRows(threads);
    return std::max(split, rp.tasks() ? t * TaskBytes(rp) : 0);
  }

  void EvictWeights() const override { EvictFromCaches(U_.data(), U_.size()); }

  const char* split_mode(int threads) const override {
    const RowPlan rp = PlanRows(threads);
    if (rp.tasks()) return rp.groups == 1 ? "private tiles" : "row tasks";
    return threads < 2 ? "one thread" : "channel split";
  }

  bool Run(const int8_t* x, int32_t* acc, uint8_t* scratch, ThreadPool& pool, const RowsDone* rows_done) const override {
    const size_t cblks = cin_p_ / kLanes16;
    const RowPlan rp = PlanRows(pool.threads());
    if (rp.tasks()) {
      const size_t per_thread = TaskBytes(rp);
      // each thread's window header: the group its xp/V window holds (none yet)
      for (int th = 0; th < pool.threads(); th++) *reinterpret_cast<size_t*>(scratch + th * per_thread) = kNoGroup;
      pool.ParallelFor(rp.tasks(), [&](size_t task, int thread) {
        uint8_t* mine = scratch + static_cast<size_t>(thread) * per_thread;
        size_t& held = *reinterpret_cast<size_t*>(mine);
        int16_t* xpw = reinterpret_cast<int16_t*>(mine + kHeaderBytes);
        int16_t* Vw = reinterpret_cast<int16_t*>(mine + kHeaderBytes + WinXpBytes(rp));
        int32_t* mb = reinterpret_cast<int32_t*>(mine + kHeaderBytes + WinXpBytes(rp) + WinVBytes(rp));
        const size_t grp = task / rp.cparts, cpart = task % rp.cparts;
        const size_t ty0 = grp * rp.rows, ty1 = std::min(tiles_h_, ty0 + rp.rows);
        const size_t cb0 = ncb_ * cpart / rp.cparts, cb1 = ncb_ * (cpart + 1) / rp.cparts;
        if (cb0 >= cb1) return;
        if (held != grp) {
          PackAndTransform(x, ty0, ty1, held, rp, cblks, xpw, Vw);
          held = grp;
        }
        const size_t t_end = ty1 * tiles_w_, vs = (ty1 - ty0) * tiles_w_, v0 = ty0 * tiles_w_;
        // channel blocks outermost: each block's U streams once (deep layers: 1.2 MB a block),
        // the window's V, in L2, is read once per block
        for (size_t cb = cb0; cb < cb1; cb++)
          for (size_t t0 = v0; t0 < t_end; t0 += tb_) GemmAndOutput(Vw, vs, v0, t0, std::min(tb_, t_end - t0), cb, mb, acc);
        if (rows_done) (*rows_done)(ty0 * m, std::min<size_t>(ty1 * m, g_.outH), cb0 * CB, std::min<size_t>(cb1 * CB, g_.cout));
      });
      return true;
    }
    int16_t* xp = reinterpret_cast<int16_t*>(scratch);
    int16_t* V = reinterpret_cast<int16_t*>(scratch + XpBytes());
    uint8_t* mbase = scratch + XpBytes() + VBytes();
    // row-major task order: each thread packs and transforms about the rows of the tiles it
    // multiplies (1 thread: consecutive tasks write neighbouring channels of the same V lines)
    pool.ParallelFor(cblks * Hp_, [&](size_t task, int) { PackRow(x, task % cblks, task / cblks, XpRow(xp, Hp_, task % cblks, task / cblks)); });
    pool.ParallelFor(cblks * tiles_h_, [&](size_t task, int) { TransformTileRow(XpRow(xp, Hp_, task % cblks, task / cblks * m), task / cblks, task % cblks, V, T_, 0); });
    pool.ParallelFor(ntb_ * ncb_, [&](size_t task, int thread) {
      int32_t* mb = reinterpret_cast<int32_t*>(mbase + static_cast<size_t>(thread) * MBytes());
      const size_t t0 = task / ncb_ * tb_;
      GemmAndOutput(V, T_, 0, t0, std::min(tb_, T_ - t0), task % ncb_, mb, acc);
    });
    return false;
  }

 private:
  // A mode forced by an environment variable (0 or 1), read when the layer is made (so one
  // process can A/B two sessions); -1 when unset or empty.
  static int ForcedByEnv(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : -1;
  }

  // How row tasks split a layer (tasks() == 0: they do not; the channel split runs).
  struct RowPlan {
    size_t rows = 0, groups = 0;  // tile rows per group, groups
    size_t cparts = 1;            // tasks per group: parts of the output-channel blocks
    size_t tasks() const { return groups * cparts; }
  };
  // Tasks per thread to aim for: enough that the faster core takes the slack, few enough that
  // the repeated halo rows (row groups) and per-task overheads stay small.
  static constexpr size_t kTasksPerThread = 4;
  RowPlan PlanRows(int threads) const {
    const size_t t = static_cast<size_t>(std::max(threads, 1));
    const bool priv = forced_private_ == 1;
    const bool rows = !priv && (forced_rows_ >= 0 ? forced_rows_ == 1 : t >= 2 && U_.size() <= kRowMaxUBytes);
    RowPlan p;
    if (rows && tiles_h_ >= t) {
      // F(2,3): two tile rows (4 output rows) per group while that leaves 2 groups per thread
      p.rows = m == 2 && tiles_h_ >= 4 * t ? 2 : 1;
      p.groups = (tiles_h_ + p.rows - 1) / p.rows;
      p.cparts = std::min(ncb_, (kTasksPerThread * t + p.groups - 1) / p.groups);
    } else if (priv && ncb_ >= t) {
      p.rows = tiles_h_;
      p.groups = 1;
      // one share of the channel blocks per thread: with a task per block (4-8 blocks of 64
      // channels on AVX-512) the caller, a little ahead, took more than its half and ResNet-18's
      // layer3/layer4 ran 5-10 % slower; splitting the rows as well streamed each block's U once
      // per row part, also slower
      p.cparts = t;
    }
    if (p.tasks() < t) return RowPlan{};
    return p;
  }
  // Row groups where every thread streaming all of U costs less than the split saves (ResNet-18
  // layer1/layer2 and SqueezeNet's expand layers: U <= 1.2 MB; layer3/layer4: 2-19 MB). Private
  // tiles only when EQ_WINO_PRIVATE=1: in the network the channel split ran ResNet-18 INT7 on 2
  // threads 3-5 % faster (layer3 F(4,3) 6-20 %; INT8, whose layer3 takes F(2,3), the same) on the
  // VNNI EPYC (docs/results/runtime.md, session 42). EQ_WINO_ROWS=0/1 forces row groups
  // (benchmarks, tests; EQ_WINO_ROWS=1 also on one thread).
  static constexpr size_t kRowMaxUBytes = size_t{5} << 18;  // 1.25 MiB
  static constexpr size_t kHeaderBytes = 64;
  static constexpr size_t kNoGroup = ~size_t{0};
  // a thread's window: the xp rows of one group (tile rows * m + 2 halo rows, every channel
  // block) and its tiles of V
  size_t WinXpBytes(const RowPlan& p) const { return Align64(cin_p_ * (p.rows * m + 2) * Wp_ * sizeof(int16_t)); }
  size_t WinVBytes(const RowPlan& p) const { return Align64(static_cast<size_t>(nxi) * p.rows * tiles_w_ * cin_p_ * sizeof(int16_t)); }
  size_t TaskBytes(const RowPlan& p) const { return kHeaderBytes + WinXpBytes(p) + WinVBytes(p) + MBytes(); }

  // Row py of channel block cb in an xp layout of `rows` rows per channel block.
  int16_t* XpRow(int16_t* xp, size_t rows, size_t cb, size_t py) const { return xp + (cb * rows + py) * Wp_ * kLanes16; }

  // Tile rows [ty0, ty1) (group ty0 / p.rows) into a window: their xp rows (xpw: [cblk][rows][Wp][16])
  // and their tiles of V (Vw: [nxi][(ty1 - ty0) * tiles_w][cin_p]). held: the group the window
  // holds now; when it is the neighbour on either side (a thread takes groups in order from its
  // end), the two halo rows they share are moved instead of packed again.
  void PackAndTransform(const int8_t* x, size_t ty0, size_t ty1, size_t held, const RowPlan& p, size_t cblks, int16_t* xpw, int16_t* Vw) const {
    const size_t py0 = ty0 * m, rows = (ty1 - ty0) * m + 2, grp = ty0 / p.rows;
    const bool full = ty1 - ty0 == p.rows && (held + 1) * p.rows <= tiles_h_;  // both windows of the full size
    const bool after = full && held != kNoGroup && held + 1 == grp, before = full && grp + 1 == held;
    const size_t r0 = after ? 2 : 0, r1 = before ? rows - 2 : rows;  // rows left to pack
    for (size_t cb = 0; cb < cblks && (after || before); cb++) {
      const size_t from = after ? rows - 2 : 0, to = after ? 0 : rows - 2;
      std::memcpy(XpRow(xpw, rows, cb, to), XpRow(xpw, rows, cb, from), 2 * Wp_ * kLanes16 * sizeof(int16_t));
    }
    for (size_t r = r0; r < r1; r++)
      for (size_t cb = 0; cb < cblks; cb++) PackRow(x, cb, py0 + r, XpRow(xpw, rows, cb, r));
    for (size_t ty = ty0; ty < ty1; ty++)
      for (size_t cb = 0; cb < cblks; cb++) TransformTileRow(XpRow(xpw, rows, cb, (ty - ty0) * m), ty, cb, Vw, (ty1 - ty0) * tiles_w_, ty0 * tiles_w_);
  }
  size_t XpBytes() const { return Align64(cin_p_ * Hp_ * Wp_ * sizeof(int16_t)); }
  size_t VBytes() const { return Align64(static_cast<size_t>(nxi) * T_ * cin_p_ * sizeof(int16_t)); }
  size_t MBytes() const { return Align64(tb_ * nxi * CB * sizeof(int32_t)); }

  // Start of the U block of output-channel block cb, chunk ch, position xi.
  size_t UOffset(size_t cb, size_t ch, int xi) const {
    const size_t c0 = chunks_[ch].first, c1 = chunks_[ch].second;
    return cb * nxi * cin_p_ * CB + c0 * nxi * CB + xi * (c1 - c0) * CB;
  }

  void PackWeights(const int8_t* w) {
    if (!U_.Reset(ncb_ * nxi * cin_p_ * CB * sizeof(int16_t))) return;
    int16_t* U = reinterpret_cast<int16_t*>(U_.data());
    std::memset(U, 0, U_.size());
    int16_t u[nxi];
    for (size_t ch = 0; ch < chunks_.size(); ch++) {
      const size_t c0 = chunks_[ch].first, c1 = std::min<size_t>(chunks_[ch].second, g_.cin);
      for (size_t co = 0; co < g_.cout; co++) {
        const size_t cb = co / CB, l = co % CB;
        for (size_t ci = c0; ci < c1; ci++) {
          F::KernelTransform(w + (co * g_.cin + ci) * 9, u);
          for (int xi = 0; xi < nxi; xi++) U[UOffset(cb, ch, xi) + ((ci - c0) / 2 * CB + l) * 2 + (ci - c0) % 2] = u[xi];
        }
      }
    }
  }

  // xp row py of channel block cb, into dst (Wp pixels of 16 lanes): x[c][py - padT][px - padL],
  // zero outside the input.
  void PackRow(const int8_t* x, size_t cb, size_t py, int16_t* dst) const {
    std::memset(dst, 0, Wp_ * kLanes16 * sizeof(int16_t));
    const int64_t iy = static_cast<int64_t>(py) - g_.padT;
    if (iy < 0 || iy >= static_cast<int64_t>(g_.inH)) return;
    const size_t hw = static_cast<size_t>(g_.inH) * g_.inW;
    // input columns [ix0, ix1) land on xp columns px = ix + padL inside [0, Wp)
    const int64_t ix0 = std::max<int64_t>(0, -static_cast<int64_t>(g_.padL));
    const int64_t ix1 = std::min<int64_t>(g_.inW, static_cast<int64_t>(Wp_) - g_.padL);
    const size_t cend = std::min<size_t>(kLanes16, g_.cin - std::min<size_t>(g_.cin, cb * kLanes16));
    const int8_t* src[kLanes16];
    for (size_t l = 0; l < kLanes16; l++) src[l] = l < cend ? x + (cb * kLanes16 + l) * hw + static_cast<size_t>(iy) * g_.inW : nullptr;
    if (cend == kLanes16) {  // one 16-lane pixel at a time: contiguous stores
      for (int64_t ix = ix0; ix < ix1; ix++) {
        int16_t* d = dst + static_cast<size_t>(ix + g_.padL) * kLanes16;
        for (size_t l = 0; l < kLanes16; l++) d[l] = src[l][ix];
      }
      return;
    }
    for (size_t l = 0; l < cend; l++)
      for (int64_t ix = ix0; ix < ix1; ix++) dst[static_cast<size_t>(ix + g_.padL) * kLanes16 + l] = src[l][ix];
  }

  // The tiles of tile row ty, channel block cb, into V ([nxi][vs][cin_p], holding tiles from v0
  // on); base: the xp row ty * m of that block (the a rows from it on follow at Wp-pixel strides).
  // Not inlined: inlined into the row task's lambda, GCC 12 built F(2,3)'s tile in scalar 16-bit
  // stores read back as vectors (store-forwarding stalls): row tasks ran 2x slower than this.
  [[gnu::noinline]] void TransformTileRow(const int16_t* base, size_t ty, size_t cb, int16_t* V, size_t vs, size_t v0) const {
    alignas(64) int16_t tmp[a][a][kLanes16];
    for (size_t tx = 0; tx < tiles_w_; tx++) {
      const size_t t = ty * tiles_w_ + tx - v0;
      for (int j = 0; j < a; j++) {  // columns: Bᵀ d
        const int16_t* d[a];
        int16_t* o[a];
        for (int i = 0; i < a; i++) {
          d[i] = base + (i * Wp_ + tx * m + j) * kLanes16;
          o[i] = tmp[i][j];
        }
        F::template In1D<kLanes16>(d, o);
      }
      for (int i = 0; i < a; i++) {  // rows: (Bᵀ d) B
        const int16_t* d[a];
        int16_t* o[a];
        for (int j = 0; j < a; j++) {
          d[j] = tmp[i][j];
          o[j] = V + ((i * a + j) * vs + t) * cin_p_ + cb * kLanes16;
        }
        F::template In1D<kLanes16>(d, o);
      }
    }
  }

  // Tiles [t0, t0 + nt_blk) (nt_blk <= tb_) of output-channel block cb, from V ([nxi][vs][cin_p],
  // holding tiles from v0 on).
  void GemmAndOutput(const int16_t* V, size_t vs, size_t v0, size_t t0, size_t nt_blk, size_t cb, int32_t* mb, int32_t* acc) const {
    const int16_t* U = reinterpret_cast<const int16_t*>(U_.data());
    for (size_t ch = 0; ch < chunks_.size(); ch++) {
      const size_t c0 = chunks_[ch].first, kpairs = (chunks_[ch].second - c0) / 2;
      for (int xi = 0; xi < nxi; xi++) {
        const int16_t* u = U + UOffset(cb, ch, xi);
        for (size_t t = 0; t < nt_blk; t += K::NT) {
          const int nt = static_cast<int>(std::min<size_t>(K::NT, nt_blk - t));
          K::Gemm(u, V + (xi * vs + t0 - v0 + t) * cin_p_ + c0, cin_p_, kpairs, nt, mb + (t * nxi + xi) * CB, static_cast<size_t>(nxi) * CB);
        }
      }
      for (size_t t = 0; t < nt_blk; t++) OutputTile(mb + t * nxi * CB, t0 + t, cb, ch == 0, acc);
    }
  }

  // y[l][x] = q[x][l] for l < CB, x < m: a (m x CB) → (CB x m) transpose, done in 4 x 4
  // blocks with vector shuffles where the compiler has them (GCC / Clang vector extensions).
  static void InterleaveRow(const int32_t (*q)[CB], int32_t (*y)[m]) {
#if defined(__GNUC__) && (defined(__SSE2__) || defined(__ARM_NEON))
    static_assert(CB % 4 == 0, "CB must be a multiple of 4");
    typedef int32_t V4 __attribute__((vector_size(16)));
#if defined(__clang__)
#define EQ_WSHUF(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define EQ_WSHUF(a, b, i, j, k, l) __builtin_shuffle(a, b, V4{i, j, k, l})
#endif
    for (int l = 0; l < CB; l += 4) {
      V4 r[m];
      for (int x = 0; x < m; x++) std::memcpy(&r[x], &q[x][l], sizeof(V4));
      if constexpr (m == 2) {
        const V4 lo = EQ_WSHUF(r[0], r[1], 0, 4, 1, 5), hi = EQ_WSHUF(r[0], r[1], 2, 6, 3, 7);
        std::memcpy(&y[l][0], &lo, sizeof(V4));      // y[l], y[l+1]
        std::memcpy(&y[l + 2][0], &hi, sizeof(V4));  // y[l+2], y[l+3]
      } else {
        const V4 t0 = EQ_WSHUF(r[0], r[1], 0, 4, 1, 5), t1 = EQ_WSHUF(r[2], r[3], 0, 4, 1, 5);
        const V4 t2 = EQ_WSHUF(r[0], r[1], 2, 6, 3, 7), t3 = EQ_WSHUF(r[2], r[3], 2, 6, 3, 7);
        const V4 c0 = EQ_WSHUF(t0, t1, 0, 1, 4, 5), c1 = EQ_WSHUF(t0, t1, 2, 3, 6, 7);
        const V4 c2 = EQ_WSHUF(t2, t3, 0, 1, 4, 5), c3 = EQ_WSHUF(t2, t3, 2, 3, 6, 7);
        std::memcpy(&y[l][0], &c0, sizeof(V4));
        std::memcpy(&y[l + 1][0], &c1, sizeof(V4));
        std::memcpy(&y[l + 2][0], &c2, sizeof(V4));
        std::memcpy(&y[l + 3][0], &c3, sizeof(V4));
      }
    }
#undef EQ_WSHUF
#else
    for (int l = 0; l < CB; l++)
      for (int x = 0; x < m; x++) y[l][x] = q[x][l];
#endif
  }

  // Aᵀ' M A' of one tile for CB output channels, exact division, store / accumulate.
  void OutputTile(const int32_t* M, size_t t, size_t cb, bool first, int32_t* acc) const {
    alignas(64) uint32_t tmp[m][a][CB];
    alignas(64) uint32_t o[m][m][CB];
    alignas(64) int32_t y[m][CB][m];
    const uint32_t* Mu = reinterpret_cast<const uint32_t*>(M);
    for (int j = 0; j < a; j++) {  // columns: Aᵀ M
      const uint32_t* s[a];
      uint32_t* d[m];
      for (int i = 0; i < a; i++) s[i] = Mu + (i * a + j) * CB;
      for (int k = 0; k < m; k++) d[k] = tmp[k][j];
      F::template Out1D<CB>(s, d);
    }
    for (int k = 0; k < m; k++) {  // rows: (Aᵀ M) A
      const uint32_t* s[a];
      uint32_t* d[m];
      for (int j = 0; j < a; j++) s[j] = tmp[k][j];
      for (int x = 0; x < m; x++) d[x] = o[k][x];
      F::template Out1D<CB>(s, d);
    }
    // exact division, then interleaved to y[r][l][x] so each output row of a channel is m
    // contiguous values (one small vector store instead of m scalar ones)
    alignas(64) int32_t q[m][m][CB];
    for (int r = 0; r < m; r++)
      for (int x = 0; x < m; x++)
        for (int l = 0; l < CB; l++) q[r][x][l] = F::Recover(o[r][x][l]);
    for (int r = 0; r < m; r++) InterleaveRow(q[r], y[r]);
    const size_t ty = t / tiles_w_, tx = t % tiles_w_;
    const size_t co0 = cb * CB, nco = std::min<size_t>(CB, g_.cout - co0);
    const size_t rows = std::min<size_t>(m, g_.outH - ty * m), cols = std::min<size_t>(m, g_.outW - tx * m);
    // locals: the int32 stores below could alias the geometry fields for the compiler
    const size_t P = g_.P, W = g_.outW;
    int32_t* base = acc + co0 * P + ty * m * W + tx * m;
    if (first && rows == static_cast<size_t>(m) && cols == static_cast<size_t>(m)) {  // interior tile
      for (size_t l = 0; l < nco; l++)
        for (int r = 0; r < m; r++) std::memcpy(base + l * P + r * W, y[r][l], sizeof(y[r][l]));
      return;
    }
    for (size_t l = 0; l < nco; l++) {
      int32_t* dst = base + l * P;
      for (size_t r = 0; r < rows; r++)
        for (size_t x = 0; x < cols; x++) dst[r * W + x] = first ? y[r][l][x] : dst[r * W + x] + y[r][l][x];
    }
  }

  LinearGeom g_;
  std::string name_;
  size_t tiles_h_ = 0, tiles_w_ = 0, T_ = 0, Hp_ = 0, Wp_ = 0, cin_p_ = 0, ncb_ = 0, tb_ = 0, ntb_ = 0;
  std::vector<std::pair<size_t, size_t>> chunks_;
  AlignedBuffer U_;
  const int forced_rows_ = ForcedByEnv("EQ_WINO_ROWS");
  const int forced_private_ = ForcedByEnv("EQ_WINO_PRIVATE");
};

template <class F, class K>
std::unique_ptr<WinogradConv> MakeChecked(const LinearGeom& g, const int8_t* w, int32_t qmax) {
  std::unique_ptr<WinoConv<F, K>> c(new WinoConv<F, K>(g, w, qmax));
  if (!c->ok()) return nullptr;
  return std::unique_ptr<WinogradConv>(c.release());
}

// The caller (winograd.cc) has checked the geometry, tile, qmax and |w| <= qmax.
template <class K>
std::unique_ptr<WinogradConv> MakeForTile(const LinearGeom& g, const int8_t* w, int32_t qmax, int tile) {
  if (tile == 2) return MakeChecked<F23, K>(g, w, qmax);
  if (tile == 4) return MakeChecked<F43, K>(g, w, qmax);
  return nullptr;
}

}  // namespace
}  // namespace wino
}  // namespace kernels
}  // namespace eq
