// Blocked FP32 MatMul driver shared by the x86 variants (contract in kernels/matmul_f32.h).
// B is packed per block of NR columns as doubles (zero-padded tail), A converted to double once;
// an MR x NR tile of double accumulators runs over k in order with FMA (exact like the scalar
// multiply-then-add, since float x float is exact in double). V: the vector traits of one ISA.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace eq {
namespace kernels {
namespace mmf32 {

template <class V, int R, int NV>
void Tile(size_t K, const double* a, size_t lda, const double* bp, double* tile) {
  constexpr size_t NR = V::kLanes * NV;
  typename V::T acc[R][NV];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = V::Zero();
  for (size_t k = 0; k < K; k++) {
    typename V::T b[NV];
    for (int v = 0; v < NV; v++) b[v] = V::Load(bp + k * NR + v * V::kLanes);
    for (int r = 0; r < R; r++) {
      const typename V::T av = V::Set1(a[r * lda + k]);
      for (int v = 0; v < NV; v++) acc[r][v] = V::Fma(av, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) V::Store(tile + r * NR + v * V::kLanes, acc[r][v]);
}

template <class V, int MR, int NV, int R = MR>
void TileRows(int rows, size_t K, const double* a, size_t lda, const double* bp, double* tile) {
  if constexpr (R > 1) {
    if (rows < R) return TileRows<V, MR, NV, R - 1>(rows, K, a, lda, bp, tile);
  }
  Tile<V, R, NV>(K, a, lda, bp, tile);
}

template <class V, int MR, int NV>
void MatMul(size_t M, size_t K, size_t N, const float* A, const float* B, float* C) {
  constexpr size_t NR = V::kLanes * NV;
  std::vector<double> ad(M * K), bp(K * NR);
  for (size_t i = 0; i < M * K; i++) ad[i] = A[i];
  double tile[MR * NR];
  for (size_t n0 = 0; n0 < N; n0 += NR) {
    const size_t nc = std::min(NR, N - n0);
    for (size_t k = 0; k < K; k++) {
      double* dst = bp.data() + k * NR;
      const float* src = B + k * N + n0;
      for (size_t j = 0; j < nc; j++) dst[j] = src[j];
      for (size_t j = nc; j < NR; j++) dst[j] = 0.0;
    }
    for (size_t m0 = 0; m0 < M; m0 += MR) {
      const int rows = static_cast<int>(std::min<size_t>(MR, M - m0));
      TileRows<V, MR, NV>(rows, K, ad.data() + m0 * K, K, bp.data(), tile);
      for (int r = 0; r < rows; r++) {
        float* c = C + (m0 + r) * N + n0;
        for (size_t j = 0; j < nc; j++) c[j] = static_cast<float>(tile[r * NR + j]);
      }
    }
  }
}

}  // namespace mmf32
}  // namespace kernels
}  // namespace eq
