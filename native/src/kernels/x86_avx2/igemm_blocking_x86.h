// Shared packing geometry and cache-blocking loop of the x86 int8 GEMM kernels (AVX2 INT8,
// AVX2 INT7, AVX-512 VNNI). Included by files compiled with different -m flags, so everything
// here has internal linkage (anonymous namespace): each TU gets its own copy, and the linker can
// never substitute an AVX-512 instantiation into the AVX2 path.
//
// Packed layouts (all kernels):
//   A: row panels of MR rows, the last one compact (M % MR rows). Panel p starts at
//      p*MR*Kp*a_elem and is [Kp/KG][mr][KG] elements; after the panels, at a 64-byte
//      boundary, int32 init[M]: the value each accumulator starts from (0, or the offset-trick
//      correction -offset*sum_k A[m][k]).
//   B: column panels of NR columns, the last one compact (N % NR rounded up to the vector
//      width VL). A panel of width W is [Kp/KI][W][KI] elements (KI = k-interleave: 2 int16
//      for VPMADDWD, 4 bytes for VPMADDUBSW/VPDPBUSD), so any k range [k0, k0+kc) of a panel is
//      contiguous at k0*W*b_elem.
//   Kp = K rounded up to KG (the k consumed per micro-kernel step); padding is zero in A, so
//   the padded products vanish whatever B's padding holds.
//
// Blocking: for each kc block of K (B block kc x N stays in L2), for each MR row panel (the
// MR x kc A sliver stays in L1), for each NR column panel: one register-blocked micro-kernel
// call that starts from init (first kc block) or from C (later blocks) and writes C.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar/copy_small.h"
#include "kernels/x86_avx2/requant_avx2.h"

namespace eq {
namespace kernels {
namespace {

// Full unrolling of the register-tile loops before register allocation: without it GCC keeps
// part of the accumulator array in memory (a store/reload on every k step).
#define EQ_UNROLL _Pragma("GCC unroll 16")

constexpr size_t RoundUpTo(size_t x, size_t m) { return (x + m - 1) / m * m; }

struct GemmGeom {
  size_t MR;      // rows per A panel
  size_t NR;      // columns per full B panel
  size_t VL;      // int32 lanes per vector (B panel widths are multiples of it)
  size_t KG;      // k per micro-kernel step (Kp = K rounded up to KG)
  size_t KI;      // k-interleave of the B layout
  size_t a_elem;  // bytes per packed A element
  size_t b_elem;  // bytes per packed B element
  size_t KC;      // k per cache block (multiple of KG)
};

inline size_t PaddedK(const GemmGeom& g, size_t K) { return RoundUpTo(K, g.KG); }
inline size_t InitOffset(const GemmGeom& g, size_t M, size_t K) { return RoundUpTo(M * PaddedK(g, K) * g.a_elem, 64); }
inline size_t PackedABytesOf(const GemmGeom& g, size_t M, size_t K) { return InitOffset(g, M, K) + 4 * M; }
inline size_t PanelWidth(const GemmGeom& g, size_t N, size_t n0) {
  const size_t r = N - n0;
  return r >= g.NR ? g.NR : RoundUpTo(r, g.VL);
}
inline size_t PackedBCols(const GemmGeom& g, size_t N) { return N / g.NR * g.NR + (N % g.NR ? RoundUpTo(N % g.NR, g.VL) : 0); }
inline size_t PackedBBytesOf(const GemmGeom& g, size_t K, size_t N) { return PackedBCols(g, N) * PaddedK(g, K) * g.b_elem; }

// A: row m, k → panel layout [Kp/KG][mr][KG] of T (int8 or int16: the weight, sign-extended);
// init[m] = -offset * sum_k A[m][k] (offset 0 for kernels without an offset trick).
template <class T>
void PackAPanels(const GemmGeom& g, const int8_t* A, size_t M, size_t K, int32_t offset, uint8_t* dst) {
  const size_t Kp = PaddedK(g, K);
  T* out = reinterpret_cast<T*>(dst);
  for (size_t m0 = 0; m0 < M; m0 += g.MR) {
    const size_t mr = M - m0 < g.MR ? M - m0 : g.MR;
    T* p = out + m0 * Kp;
    for (size_t ks = 0; ks < Kp; ks += g.KG)
      for (size_t m = 0; m < mr; m++)
        for (size_t i = 0; i < g.KG; i++) {
          const size_t k = ks + i;
          *p++ = static_cast<T>(k < K ? A[(m0 + m) * K + k] : 0);
        }
  }
  int32_t* init = reinterpret_cast<int32_t*>(dst + InitOffset(g, M, K));
  for (size_t m = 0; m < M; m++) {
    int32_t s = 0;
    for (size_t k = 0; k < K; k++) s += A[m * K + k];
    init[m] = -offset * s;
  }
}

// B for the byte kernels (KI = 4): [Kp/4][W][4] bytes, each byte b + offset (mod 256), i.e.
// +64 → [1,127] for INT7 and +128 (= xor 0x80) → [1,255] for INT8. Padding (k >= K or
// n >= N) stores the offset itself (b = 0).
// Loop order: panels outside (the packed bytes written in order) read all K rows of B at once,
// 16 bytes of each per panel. When ldb puts more than 8 of those rows in one L1 set (8 ways; a
// 1x1 convolution on a 64x64 or 128x128 map has ldb = P, a multiple of 4 KiB: every row in ONE
// set) they evict each other, and packing blazeface's K = 24 layers cost a third of their time;
// there k quads go outside, so 4 rows are read at a time, each from start to end
// (igemm-bench 24x16384x24: pack 0.075 -> 0.029 ms; 32x4096x96 0.084 -> 0.033 ms; the INT8
// kernel's int16 pack 0.071 -> 0.032 and 0.069 -> 0.034 ms). Elsewhere panels outside stayed
// faster (64x3136x64: 0.013 vs 0.015 ms). Same bytes either way.
inline bool PackKOutside(size_t ldb, size_t K) {
  const size_t line_step = (ldb / 64) % 64;  // L1 sets (of 64) between consecutive rows
  size_t sets = 64;                          // distinct sets the rows cycle through
  if (line_step == 0) sets = 1;
  else
    while (sets > 1 && line_step % (64 / sets * 2) == 0) sets /= 2;
  return K > 8 * sets;
}

// step(k, n0) for every group of kstep rows k < Kp and every panel n0, in the order PackKOutside
// picks (shared by the B packs of the x86 kernels).
template <class Step>
inline void ForEachPackStep(const GemmGeom& g, size_t ldb, size_t K, size_t N, size_t kstep, Step step) {
  const size_t Kp = PaddedK(g, K);
  if (PackKOutside(ldb, K)) {
    for (size_t k = 0; k < Kp; k += kstep)
      for (size_t n0 = 0; n0 < N; n0 += g.NR) step(k, n0);
  } else {
    for (size_t n0 = 0; n0 < N; n0 += g.NR)
      for (size_t k = 0; k < Kp; k += kstep) step(k, n0);
  }
}

inline void PackBQuads(const GemmGeom& g, const int8_t* B, size_t ldb, size_t K, size_t N, uint8_t offset, uint8_t* dst) {
  const size_t Kp = PaddedK(g, K);
  const __m128i off = _mm_set1_epi8(static_cast<char>(offset));
  const __m128i zero = _mm_setzero_si128();
  // k quad k of panel n0: [W][4] bytes at dst + n0 * Kp + k * W (every earlier panel is full)
  const auto quad = [&](size_t k, size_t n0) {
    const size_t W = PanelWidth(g, N, n0);
    uint8_t* row = dst + n0 * Kp + k * W;
    const int8_t* r[4];
    for (size_t i = 0; i < 4; i++) r[i] = k + i < K ? B + (k + i) * ldb + n0 : nullptr;
    size_t c = 0;
    // 16 columns: interleave the 4 rows bytewise → 16 x [4] bytes
    for (; c + 16 <= W && n0 + c + 16 <= N; c += 16) {
      __m128i v[4];
      for (size_t i = 0; i < 4; i++) v[i] = r[i] ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[i] + c)) : zero;
      const __m128i a = _mm_unpacklo_epi8(v[0], v[1]), b = _mm_unpackhi_epi8(v[0], v[1]);
      const __m128i cc = _mm_unpacklo_epi8(v[2], v[3]), d = _mm_unpackhi_epi8(v[2], v[3]);
      __m128i* o = reinterpret_cast<__m128i*>(row + c * 4);
      _mm_storeu_si128(o + 0, _mm_add_epi8(_mm_unpacklo_epi16(a, cc), off));
      _mm_storeu_si128(o + 1, _mm_add_epi8(_mm_unpackhi_epi16(a, cc), off));
      _mm_storeu_si128(o + 2, _mm_add_epi8(_mm_unpacklo_epi16(b, d), off));
      _mm_storeu_si128(o + 3, _mm_add_epi8(_mm_unpackhi_epi16(b, d), off));
    }
    // 8 columns
    for (; c + 8 <= W && n0 + c + 8 <= N; c += 8) {
      __m128i v[4];
      for (size_t i = 0; i < 4; i++) v[i] = r[i] ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(r[i] + c)) : zero;
      const __m128i a = _mm_unpacklo_epi8(v[0], v[1]), cc = _mm_unpacklo_epi8(v[2], v[3]);
      __m128i* o = reinterpret_cast<__m128i*>(row + c * 4);
      _mm_storeu_si128(o + 0, _mm_add_epi8(_mm_unpacklo_epi16(a, cc), off));
      _mm_storeu_si128(o + 1, _mm_add_epi8(_mm_unpackhi_epi16(a, cc), off));
    }
    // ragged edge of the last panel
    for (; c < W; c++)
      for (size_t i = 0; i < 4; i++)
        row[c * 4 + i] = static_cast<uint8_t>(((r[i] && n0 + c < N) ? static_cast<uint8_t>(r[i][c]) : 0) + offset);
  };
  ForEachPackStep(g, ldb, K, N, 4, quad);
}

// One micro-kernel call on a full mr x (nrv*VL) tile: steps = kc/KG, init = per-row start
// values (first kc block) or nullptr (accumulate onto C). Ragged column edges go through a
// stack tile in RunBlocked, so the micro-kernels have no edge code (which also keeps GCC from
// demoting the accumulator array to memory).
using TileFn = void (*)(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* init, int32_t* c, size_t ldc);

constexpr size_t kMaxTile = 8 * 64;  // MR * NR bound of every x86 kernel

// The fused int8 output stage of a tile (RunBlockedS8): the accumulators start from `start`
// (init + bias, so they end at acc + bias), row m is requantized with mult[m] and stored at
// out + m * ldo, with the clamp bounds k (requant_avx2.h; k.i16: the call's channels allow the
// int16 clamp, RequantInt16Exact).
using TileS8Fn = void (*)(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* start, const float* mult, const RequantBounds& k, int8_t* out,
                          size_t ldo);

// Row m of a fused tile: NRV = 2 → 16 bytes, NRV = 1 → 8 bytes (the narrow last panel).
template <int NRV>
inline void StoreRowS8(const __m256i* acc, float mult, const RequantBounds& k, int8_t* out) {
  const __m256 m = _mm256_set1_ps(mult);
  const __m256i s1 = acc[NRV - 1];  // NRV = 1: outputs 8..15 are a copy, not stored
  const __m128i v = k.i16 ? RequantPack<false, true>(acc[0], s1, m, k) : RequantPack<false, false>(acc[0], s1, m, k);
  if (NRV == 2) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
  else _mm_storel_epi64(reinterpret_cast<__m128i*>(out), v);
}

inline int32_t Load32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline int64_t Load64(const uint8_t* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// tiles[(mr-1)*max_nrv + (nrv-1)] handles an mr x (nrv*VL) tile.
//
// (Tried and measured: pre-broadcasting the A sliver once per (kc block, row panel) to take
// the VPBROADCASTDs out of the inner loop made the AVX2 kernels slower here, so the tiles
// broadcast straight from the packed panel.)
inline void RunBlocked(const GemmGeom& g, const TileFn* tiles, size_t max_nrv, const uint8_t* pa, const uint8_t* pb, size_t M,
                       size_t N, size_t K, int32_t* C, size_t ldc) {
  if (M == 0 || N == 0) return;
  const size_t Kp = PaddedK(g, K);
  const int32_t* init = reinterpret_cast<const int32_t*>(pa + InitOffset(g, M, K));
  if (Kp == 0) {
    for (size_t m = 0; m < M; m++)
      for (size_t n = 0; n < N; n++) C[m * ldc + n] = init[m];
    return;
  }
  for (size_t k0 = 0; k0 < Kp; k0 += g.KC) {
    const size_t kc = Kp - k0 < g.KC ? Kp - k0 : g.KC;
    for (size_t m0 = 0; m0 < M; m0 += g.MR) {
      const size_t mr = M - m0 < g.MR ? M - m0 : g.MR;
      const uint8_t* ap = pa + (m0 * Kp + k0 * mr) * g.a_elem;
      for (size_t n0 = 0; n0 < N; n0 += g.NR) {
        const size_t W = PanelWidth(g, N, n0);
        const size_t nr = N - n0 < g.NR ? N - n0 : g.NR;
        const uint8_t* bp = pb + (n0 * Kp + k0 * W) * g.b_elem;
        const TileFn tile = tiles[(mr - 1) * max_nrv + (W / g.VL - 1)];
        const int32_t* in = k0 == 0 ? init + m0 : nullptr;
        int32_t* c = C + m0 * ldc + n0;
        if (nr == W) {
          tile(ap, bp, kc / g.KG, in, c, ldc);
        } else {
          alignas(64) int32_t t[kMaxTile];
          if (!in)
            for (size_t m = 0; m < mr; m++) std::memcpy(t + m * W, c + m * ldc, nr * 4);
          tile(ap, bp, kc / g.KG, in, t, W);
          for (size_t m = 0; m < mr; m++) std::memcpy(c + m * ldc, t + m * W, nr * 4);
        }
      }
    }
  }
}

// Run (int32 C) of a tile type T whose static Accumulate(a, b, steps, acc) adds its
// mr x (nrv*8) products to the accumulators (CRTP). A tile with a fused output stage also
// derives from TileRunS8.
template <class T, int MRE, int NRV>
struct TileRun {
  static void Run(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* init, int32_t* c, size_t ldc) {
    __m256i acc[MRE][NRV];
    EQ_UNROLL
    for (int m = 0; m < MRE; m++)
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) acc[m][j] = init ? _mm256_set1_epi32(init[m]) : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + m * ldc + 8 * j));
    T::Accumulate(a, b, steps, acc);
    EQ_UNROLL
    for (int m = 0; m < MRE; m++)
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + m * ldc + 8 * j), acc[m][j]);
  }
};

// RunS8 (the int8 output stage fused in) of a tile type T, as TileRun.
template <class T, int MRE, int NRV>
struct TileRunS8 {
  static void RunS8(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* start, const float* mult, const RequantBounds& k, int8_t* out, size_t ldo) {
    __m256i acc[MRE][NRV];
    EQ_UNROLL
    for (int m = 0; m < MRE; m++)
      EQ_UNROLL
      for (int j = 0; j < NRV; j++) acc[m][j] = _mm256_set1_epi32(start[m]);
    T::Accumulate(a, b, steps, acc);
    EQ_UNROLL
    for (int m = 0; m < MRE; m++) StoreRowS8<NRV>(acc[m], mult[m], k, out + m * ldo);
  }
};

// RunS8 through a 32-bit tile on the stack: the tile's Run (out of line) then the output stage
// row by row from L1. For a tile whose accumulators take 12 of the 16 ymm (the INT8 6 x 16),
// where RunS8 with the stage in the same function made GCC spill accumulators inside the k
// loop (network A/B 0.92-0.95x); the 384-byte tile costs 12 stores and loads per tile.
template <class T, int MRE, int NRV>
struct TileRunS8Staged {
  [[gnu::noinline]] static void Sums(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* start, int32_t* t) { T::Run(a, b, steps, start, t, NRV * 8); }
  static void RunS8(const uint8_t* a, const uint8_t* b, size_t steps, const int32_t* start, const float* mult, const RequantBounds& k, int8_t* out, size_t ldo) {
    alignas(32) int32_t t[MRE * NRV * 8];
    Sums(a, b, steps, start, t);
    for (int m = 0; m < MRE; m++) {
      __m256i acc[NRV];
      for (int j = 0; j < NRV; j++) acc[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(t + (m * NRV + j) * 8));
      StoreRowS8<NRV>(acc, mult[m], k, out + m * ldo);
    }
  }
};

// RunBlocked with the int8 output stage fused (IGemmKernel::run_s8): only for K within one
// cache block, so each tile's accumulators are final when its loop ends. Full tiles write their
// bytes in place; a ragged column edge runs the same tile into a stack block and copies out the
// real columns.
inline bool RunBlockedS8(const GemmGeom& g, const TileS8Fn* tiles_s8, size_t max_nrv, const uint8_t* pa, const uint8_t* pb,
                         size_t M, size_t N, size_t K, const OutputStage& s, size_t c0, size_t p0, int8_t* out, size_t ldo) {
  const size_t Kp = PaddedK(g, K);
  if (Kp == 0 || Kp > g.KC) return false;
  if (M == 0 || N == 0) return true;
  const int32_t* init = reinterpret_cast<const int32_t*>(pa + InitOffset(g, M, K));
  // |acc| <= |bias| + K * 127 * 127
  const bool i16 = RequantInt16Exact(s.bias, s.mult, c0, c0 + M, static_cast<double>(K) * 127 * 127);
  const RequantBounds k = MakeRequantBounds(s.lo, s.hi, s.zero, i16);
  for (size_t m0 = 0; m0 < M; m0 += g.MR) {
    const size_t mr = M - m0 < g.MR ? M - m0 : g.MR;
    const uint8_t* ap = pa + m0 * Kp * g.a_elem;
    int32_t start[8];  // MR <= 8; wrapping add: the final acc + bias fits (the caller's bias bound)
    for (size_t m = 0; m < mr; m++)
      start[m] = static_cast<int32_t>(static_cast<uint32_t>(init[m0 + m]) + static_cast<uint32_t>(s.bias[c0 + m0 + m]));
    for (size_t n0 = 0; n0 < N; n0 += g.NR) {
      const size_t W = PanelWidth(g, N, n0);
      const size_t nr = N - n0 < g.NR ? N - n0 : g.NR;
      const uint8_t* bp = pb + n0 * Kp * g.b_elem;
      const size_t ti = (mr - 1) * max_nrv + (W / g.VL - 1);
      if (nr == W) {
        tiles_s8[ti](ap, bp, Kp / g.KG, start, s.mult + c0 + m0, k, out + (c0 + m0) * ldo + p0 + n0, ldo);
      } else {
        // ragged edge (nr < W real columns): the same fused tile into a stack block, then the
        // real bytes of each row. (The int32 tile + the unfused stage's per-row tail path cost
        // 4 % of MobileNet v1 0.25, whose 14x14 and 7x7 layers end every block in a 4- or
        // 1-column panel.)
        alignas(64) int8_t t[kMaxTile];
        tiles_s8[ti](ap, bp, Kp / g.KG, start, s.mult + c0 + m0, k, t, W);
        for (size_t m = 0; m < mr; m++) CopySmall(out + (c0 + m0 + m) * ldo + p0 + n0, t + m * W, nr);
      }
    }
  }
  return true;
}

// Which member function of a tile a table holds: Run (int32 C) or RunS8 (fused int8 output).
struct PickRun {
  using Fn = TileFn;
  template <class T>
  static Fn Get() { return &T::Run; }
};
struct PickRunS8 {
  using Fn = TileS8Fn;
  template <class T>
  static Fn Get() { return &T::RunS8; }
};

// Builds the tile table tiles[(mr-1)*NRV + nrv-1] = Pick(TileT<mr, nrv>) for mr <= MR.
template <class Pick, template <int, int> class TileT, int MR, int NRV>
struct TileTableFill {
  static void Fill(typename Pick::Fn* t, int max_nrv) {
    t[(MR - 1) * max_nrv + (NRV - 1)] = Pick::template Get<TileT<MR, NRV>>();
    TileTableFill<Pick, TileT, MR, NRV - 1>::Fill(t, max_nrv);
  }
};
template <class Pick, template <int, int> class TileT, int MR>
struct TileTableFill<Pick, TileT, MR, 0> {
  static void Fill(typename Pick::Fn*, int) {}
};
template <class Pick, template <int, int> class TileT, int MR, int NRV>
struct TileTableRows {
  static void Fill(typename Pick::Fn* t) {
    TileTableFill<Pick, TileT, MR, NRV>::Fill(t, NRV);
    TileTableRows<Pick, TileT, MR - 1, NRV>::Fill(t);
  }
};
template <class Pick, template <int, int> class TileT, int NRV>
struct TileTableRows<Pick, TileT, 0, NRV> {
  static void Fill(typename Pick::Fn*) {}
};

// The [MR][NRV] table of TileT instantiations (their Run, or with PickRunS8 their RunS8) that
// RunBlocked / RunBlockedS8 index, built once.
template <template <int, int> class TileT, int MR, int NRV, class Pick = PickRun>
const typename Pick::Fn* TileTable() {
  static const struct Table {
    typename Pick::Fn t[MR * NRV];
    Table() { TileTableRows<Pick, TileT, MR, NRV>::Fill(t); }
  } table;
  return table.t;
}

}  // namespace
}  // namespace kernels
}  // namespace eq
