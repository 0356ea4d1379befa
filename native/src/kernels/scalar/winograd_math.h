// Integer Winograd transforms F(2,3) and F(4,3), and the proofs that they are exact.
// Included by every winograd_<isa>.cc; everything here has internal linkage (anonymous
// namespace) because each ISA folder compiles it with its own target flags, and the lane
// loops (L lanes of int16 or int32) are written so the compiler vectorises them with the
// flags of the including file.
//
// ---------------------------------------------------------------------------------------
// Notation: one output tile is m x m outputs (m = 2 or 4) computed from an a x a input patch
// d (a = m + 2) and a 3x3 kernel g:  y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A  (Lavin & Gray).
// We use integer matrices G' = s·G (kernel side), Bᵀ, Aᵀ' so that
//     Aᵀ' [ (G' g G'ᵀ) ⊙ (Bᵀ d B) ] A' = S · y,        S = 4 (F(2,3)) or 576 (F(4,3)),
// where y is the exact integer correlation sum_{i,j} g[i][j] d[r+i][c+j] (both identities
// are checked numerically by test_winograd.cc against the direct convolution).
//
// F(2,3): G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2], Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0;
//         0 1 0 -1], Aᵀ = [1 1 1 0; 0 1 -1 -1]; 1-D scale 2, 2-D scale S = 4.
// F(4,3): ncnn's int8 winograd43 matrices: G' = diag(24,24,24,24,24,6)·G =
//         [6 0 0; -4 -4 -4; -4 4 -4; 1 2 4; 1 -2 4; 0 0 6],
//         Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
//               0 4 0 -5 0 1],
//         Aᵀ' = Aᵀ·diag(1,1,1,1,1,4) = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0;
//               0 1 -1 8 -8 4]; 1-D scale 24, 2-D scale S = 576 = 2^6 · 9.
//
// Value ranges. Inputs are any int8 (|d| <= 128), weights |g| <= qmax <= 127 (checked when
// the kernel is built). Let r_i = sum_j |G'_ij| and b_i = sum_j |Bᵀ_ij| (row sums):
//   F(2,3): r = (2,3,3,2),        b = (2,2,2,2):        |U| <= 9·qmax   <= 1143,  |V| <= 4·128   = 512
//   F(4,3): r = (6,12,12,7,7,6),  b = (10,10,10,6,6,10): |U| <= 144·qmax <= 18288, |V| <= 100·128 = 12800
// so both transformed tiles are exact in int16 (the 1-D intermediates are smaller still:
// 3·qmax / 2·128 and 12·qmax / 10·128). One product |U·V| <= 18288·12800 < 2^28, so a pair
// of products (VPMADDWD, SMLAL pairs) is < 2^29: exact in int32.
//
// Channel sums and the output transform are done in int32 with wrap-around (two's
// complement, i.e. arithmetic in Z/2^32: unsigned in C++, plain VPADDD/VPDPWSSD/ADD in SIMD).
// Every step after the int16 transforms is a ring operation, so the int32 result v of the
// output transform satisfies v ≡ S·y_b (mod 2^32), where y_b is the exact direct-convolution
// sum over the channels of the chunk b. Recovering y_b from v:
//   F(2,3): S = 4:      y_b = v >> 2 (arithmetic)                     exact if |y_b| < 2^29
//   F(4,3): S = 64·9:   y_b = (v · 9⁻¹ mod 2^32) >> 6 (arithmetic),
//                       9⁻¹ = 0x38E38E39 (9 · 0x38E38E39 = 2^33 + 1);  exact if |y_b| < 2^25
// F(2,3): |4·y_b| < 2^31 makes v exactly 4·y_b (not just congruent), so v is divisible by 4
// and the shift is an exact division. F(4,3): v·9⁻¹ ≡ 64·y_b (mod 2^32), and |64·y_b| < 2^31
// makes that int32 value exactly 64·y_b, again divisible by 64. Both are exact whatever the
// intermediate channel sums did (they may wrap; the output transform is linear over Z/2^32).
// |y_b| <= 9 · C_b · 128 · qmax for a chunk of C_b input channels, so the channel sum is cut
// into chunks of at most ChunkLimit() channels (F(4,3): INT8 229 → 224 after rounding down
// to the 16-channel lane block, INT7 462 → 448; F(2,3): INT8 3669 → 3664, INT7 7397 → 7392);
// each chunk is transformed and divided exactly, and the chunk results y_b are added in int32. Those
// partial sums are partial direct-convolution sums, bounded by 9·cin·128·qmax, which is
// < 2^31 whenever K = 9·cin <= 131071 (the loader's limit, 131071·128·127 < 2^31);
// WinogradApplicable() refuses larger K. Output positions of partial edge tiles (beyond
// outH/outW) are convolutions of zero padding with the same bounds, and are discarded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eq {
namespace kernels {
namespace wino {
namespace {

constexpr int kLanes16 = 16;  // input-transform channel lanes (int16)

// ---- F(2,3) -----------------------------------------------------------------------------
struct F23 {
  static constexpr int m = 2, a = 4, nxi = 16, scale_shift = 2;
  static constexpr const char* tag = "wino23";

  // Largest chunk of input channels whose exact sum stays recoverable (see above).
  static constexpr int64_t YLimit() { return (int64_t{1} << 29) - 1; }

  // U = G' g G'ᵀ for one 3x3 kernel (int16, a x a row-major).
  static void KernelTransform(const int8_t* g, int16_t* u) {
    static constexpr int Gp[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
    int t[4][3];
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 3; j++) t[i][j] = Gp[i][0] * g[0 * 3 + j] + Gp[i][1] * g[1 * 3 + j] + Gp[i][2] * g[2 * 3 + j];
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) u[i * 4 + j] = static_cast<int16_t>(t[i][0] * Gp[j][0] + t[i][1] * Gp[j][1] + t[i][2] * Gp[j][2]);
  }

  // 1-D input transform Bᵀ d of L lanes: d[k] points to the L lanes of element k. The
  // lanes are copied to locals first so the compiler sees no aliasing and vectorises.
  template <int L>
  static inline void In1D(const int16_t* const d[4], int16_t* const o[4]) {
    int16_t x[4][L], y[4][L];
    for (int k = 0; k < 4; k++) std::memcpy(x[k], d[k], sizeof(x[k]));
    for (int l = 0; l < L; l++) {
      y[0][l] = static_cast<int16_t>(x[0][l] - x[2][l]);
      y[1][l] = static_cast<int16_t>(x[1][l] + x[2][l]);
      y[2][l] = static_cast<int16_t>(x[2][l] - x[1][l]);
      y[3][l] = static_cast<int16_t>(x[1][l] - x[3][l]);
    }
    for (int k = 0; k < 4; k++) std::memcpy(o[k], y[k], sizeof(y[k]));
  }

  // 1-D output transform Aᵀ m (wrap-around uint32 lanes).
  template <int L>
  static inline void Out1D(const uint32_t* const s[4], uint32_t* const o[2]) {
    uint32_t x[4][L], y[2][L];
    for (int k = 0; k < 4; k++) std::memcpy(x[k], s[k], sizeof(x[k]));
    for (int l = 0; l < L; l++) {
      y[0][l] = x[0][l] + x[1][l] + x[2][l];
      y[1][l] = x[1][l] - x[2][l] - x[3][l];
    }
    for (int k = 0; k < 2; k++) std::memcpy(o[k], y[k], sizeof(y[k]));
  }

  static inline int32_t Recover(uint32_t v) { return static_cast<int32_t>(v) >> 2; }
};

// ---- F(4,3) -----------------------------------------------------------------------------
struct F43 {
  static constexpr int m = 4, a = 6, nxi = 36;
  static constexpr const char* tag = "wino43";

  static constexpr int64_t YLimit() { return (int64_t{1} << 25) - 1; }

  static void KernelTransform(const int8_t* g, int16_t* u) {
    static constexpr int Gp[6][3] = {{6, 0, 0}, {-4, -4, -4}, {-4, 4, -4}, {1, 2, 4}, {1, -2, 4}, {0, 0, 6}};
    int t[6][3];
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 3; j++) t[i][j] = Gp[i][0] * g[0 * 3 + j] + Gp[i][1] * g[1 * 3 + j] + Gp[i][2] * g[2 * 3 + j];
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++) u[i * 6 + j] = static_cast<int16_t>(t[i][0] * Gp[j][0] + t[i][1] * Gp[j][1] + t[i][2] * Gp[j][2]);
  }

  // All intermediates stay within ±12800 (second pass), so int16 arithmetic is exact.
  template <int L>
  static inline void In1D(const int16_t* const d[6], int16_t* const o[6]) {
    int16_t x[6][L], y[6][L];
    for (int k = 0; k < 6; k++) std::memcpy(x[k], d[k], sizeof(x[k]));
    for (int l = 0; l < L; l++) {
      const int16_t d0 = x[0][l], d1 = x[1][l], d2 = x[2][l], d3 = x[3][l], d4 = x[4][l], d5 = x[5][l];
      const int16_t a = static_cast<int16_t>(d4 - 4 * d2), b = static_cast<int16_t>(d3 - 4 * d1);  // rows 1, 2
      const int16_t c = static_cast<int16_t>(d4 - d2), e = static_cast<int16_t>(2 * (d3 - d1));     // rows 3, 4
      y[0][l] = static_cast<int16_t>(4 * d0 - 5 * d2 + d4);
      y[1][l] = static_cast<int16_t>(a + b);
      y[2][l] = static_cast<int16_t>(a - b);
      y[3][l] = static_cast<int16_t>(c + e);
      y[4][l] = static_cast<int16_t>(c - e);
      y[5][l] = static_cast<int16_t>(4 * d1 - 5 * d3 + d5);
    }
    for (int k = 0; k < 6; k++) std::memcpy(o[k], y[k], sizeof(y[k]));
  }

  template <int L>
  static inline void Out1D(const uint32_t* const s[6], uint32_t* const o[4]) {
    uint32_t x[6][L], y[4][L];
    for (int k = 0; k < 6; k++) std::memcpy(x[k], s[k], sizeof(x[k]));
    for (int l = 0; l < L; l++) {
      const uint32_t a = x[1][l] + x[2][l], b = x[1][l] - x[2][l];
      const uint32_t c = x[3][l] + x[4][l], d = x[3][l] - x[4][l];
      y[0][l] = x[0][l] + a + c;
      y[1][l] = b + 2u * d;
      y[2][l] = a + 4u * c;
      y[3][l] = b + 8u * d + 4u * x[5][l];
    }
    for (int k = 0; k < 4; k++) std::memcpy(o[k], y[k], sizeof(y[k]));
  }

  // v ≡ 576·y (mod 2^32) → y, exact for |y| < 2^25.
  static inline int32_t Recover(uint32_t v) { return static_cast<int32_t>(v * 0x38E38E39u) >> 6; }
};

// Largest number of input channels per exactly-divided chunk (a multiple of the 16-lane
// block): |y_b| <= 9 · C_b · 128 · qmax must stay <= F::YLimit().
template <class F>
constexpr int64_t ChunkLimit(int32_t qmax) {
  return F::YLimit() / (int64_t{9} * 128 * qmax) / kLanes16 * kLanes16;
}

}  // namespace
}  // namespace wino
}  // namespace kernels
}  // namespace eq
