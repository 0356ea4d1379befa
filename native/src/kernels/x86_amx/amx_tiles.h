// Shared by the AMX kernels (igemm_amx.cc, conv_amx.cc): tile geometry, the tile
// configuration (all 8 tiles 16 rows x 64 bytes), the 2 x 2 register block's zeroing and k step,
// and the store of an accumulator tile that may cross the edge of C. Internal linkage: included only by files compiled with AMX flags.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eq {
namespace kernels {
namespace amx {
namespace {

constexpr size_t kT = 16;           // tile rows / int32 columns
constexpr size_t kKS = 64;          // k (bytes) per tile step
constexpr size_t kTile = kT * kKS;  // bytes per A or B tile

struct TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// The configuration is per thread: every kernel call loads it and releases the tiles at the end
// (a released thread does not carry 8 KiB of tile state through context switches).
inline void ConfigureTiles() {
  alignas(64) TileConfig cfg{};
  cfg.palette_id = 1;
  for (int t = 0; t < 8; t++) {
    cfg.rows[t] = kT;
    cfg.colsb[t] = kKS;  // 64 bytes: 64 int8 (A, B) or 16 int32 (C)
  }
  _tile_loadconfig(&cfg);
}

// The 2 x 2 register block both AMX kernels use: accumulators tmm0-3 (tmm0 = A0·B0, tmm1 = A0·B1,
// tmm2 = A1·B0, tmm3 = A1·B1), A tiles tmm4-5, B tiles tmm6-7; NM / NN = 1 at odd edges leave
// out the second A / B tile. (The tile numbers are literals: the intrinsics paste them in.)
template <int NM, int NN>
inline void ZeroAccumulators() {
  _tile_zero(0);
  if constexpr (NN == 2) _tile_zero(1);
  if constexpr (NM == 2) _tile_zero(2);
  if constexpr (NM == 2 && NN == 2) _tile_zero(3);
}
// One k step: accumulators += A tiles a0, a1 (rows 64 bytes apart) times B tiles b0, b1
// (rows b_stride bytes apart).
template <int NM, int NN>
inline void MultiplyStep(const void* a0, const void* a1, const void* b0, const void* b1, size_t b_stride) {
  _tile_loadd(4, a0, kKS);
  _tile_loadd(6, b0, b_stride);
  if constexpr (NN == 2) _tile_loadd(7, b1, b_stride);
  if constexpr (NM == 2) _tile_loadd(5, a1, kKS);
  _tile_dpbssd(0, 4, 6);
  if constexpr (NN == 2) _tile_dpbssd(1, 4, 7);
  if constexpr (NM == 2) _tile_dpbssd(2, 5, 6);
  if constexpr (NM == 2 && NN == 2) _tile_dpbssd(3, 5, 7);
}

// Where a 16 x 16 accumulator tile at (m0, n0) goes: straight into C, or into a stack tile
// when the block crosses the edge of C (FlushEdge then copies the part inside C).
struct TileDst {
  int32_t* p;
  size_t ld;  // bytes between rows
  bool edge;
};
inline TileDst DstFor(int32_t* C, size_t ldc, size_t M, size_t N, size_t m0, size_t n0, int32_t* stack) {
  if (m0 + kT <= M && n0 + kT <= N) return {C + m0 * ldc + n0, ldc * sizeof(int32_t), false};
  return {stack, kT * sizeof(int32_t), true};
}
inline void FlushEdge(const int32_t* t, int32_t* C, size_t ldc, size_t M, size_t N, size_t m0, size_t n0) {
  const size_t rows = M - m0 < kT ? M - m0 : kT, cols = N - n0 < kT ? N - n0 : kT;
  for (size_t r = 0; r < rows; r++) std::memcpy(C + (m0 + r) * ldc + n0, t + r * kT, cols * sizeof(int32_t));
}
// _tile_stored needs a literal tile number (the intrinsic pastes it into the instruction)
// (uses C, ldc, M, N of the enclosing scope)
#define EQ_AMX_STORE_TILE(T, m0, n0)                                         \
  do {                                                                       \
    alignas(64) int32_t stack_[::eq::kernels::amx::kT * ::eq::kernels::amx::kT]; \
    const auto d_ = ::eq::kernels::amx::DstFor(C, ldc, M, N, m0, n0, stack_); \
    _tile_stored(T, d_.p, d_.ld);                                            \
    if (d_.edge) ::eq::kernels::amx::FlushEdge(stack_, C, ldc, M, N, m0, n0); \
  } while (0)

}  // namespace
}  // namespace amx
}  // namespace kernels
}  // namespace eq
