// qresize: nearest / linear Resize of the last two axes of int8 [N,C,H,W] data (same scale), in
// int32 fixed point with the compiler's tables (weights in 1/2^11, w0 = 2^11 - w1):
//   r(x) = wy0*q[y0][x] + wy1*q[y1][x];  q' = clip((wx0*r(x0) + wx1*r(x1) + 2^21) >> 22, -qmax, qmax)
// (src-main/core/eqm/ops/qresize.ts). All-zero weights (nearest) make it a gather.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "runtime/ops/op_common.h"

namespace eq {
namespace ops {
namespace {

constexpr int32_t kOne = kernels::kResizeOne;

Status Parse(OpParser& p, Op* op) {
  int32_t in = -1, out = -1;
  EQ_RETURN_IF_ERROR(p.Ref("input", kI8, &in));
  EQ_RETURN_IF_ERROR(p.Ref("output", kI8, &out));
  const auto& d = p.model.tensors[in].dims;
  const auto& o = p.model.tensors[out].dims;
  if (d.size() != 4 || o.size() != 4 || d[0] != o[0] || d[1] != o[1]) return p.Invalid("tensors are not [N,C,H,W] with the same N and C");
  const uint64_t taps = 3 * static_cast<uint64_t>(o[2] + o[3]);
  const uint8_t* tab = nullptr;
  if (!p.ReadBlob(taps * 4, &tab)) return p.r.ok() ? p.Invalid("invalid table reference") : p.Truncated();
  op->rtab.resize(taps);
  std::memcpy(op->rtab.data(), tab, taps * 4);
  auto check = [&](size_t at, int64_t len, int64_t in_len) {
    for (int64_t i = 0; i < len; i++) {
      const int32_t a = op->rtab[at + i], b = op->rtab[at + len + i], w = op->rtab[at + 2 * len + i];
      if (a < 0 || a >= in_len || b < 0 || b >= in_len || w < 0 || w > kOne) return false;
    }
    return true;
  };
  if (!check(0, o[2], d[2]) || !check(3 * o[2], o[3], d[3])) return p.Invalid("a table entry reads outside the input or has a weight outside [0, 2048]");
  EQ_RETURN_IF_ERROR(Connect(p, op, in, out));
  op->work = static_cast<uint64_t>(p.Numel(out));
  return NoZeroOffsets(p, *op);  // the writer never puts an offset on a resize
}

// planes [p0, p1) of the output. Linear: each input row is interpolated horizontally once
// (two cached rows), then every output row blends two of them; nearest: a gather.
void ResizePlanes(const OpRunCtx& c, const int8_t* x, int64_t H, int64_t W, const int32_t* tab, int64_t OH, int64_t OW, int32_t qmax,
                  size_t p0, size_t p1, int8_t* y) {
  const int32_t *y0 = tab, *y1 = tab + OH, *wy = tab + 2 * OH;
  const int32_t *x0 = tab + 3 * OH, *x1 = x0 + OW, *wx = x1 + OW;
  bool nearest = true;
  for (int64_t i = 0; i < OH; i++) nearest = nearest && wy[i] == 0;
  for (int64_t i = 0; i < OW; i++) nearest = nearest && wx[i] == 0;
  const kernels::ResizeHRowFn hrow = kernels::SelectResizeHRow(c.isa);
  const kernels::ResizeVRowFn vrow = kernels::SelectResizeVRow(c.isa);
  std::vector<int32_t> buf(static_cast<size_t>(W + 2 * OW));
  int32_t* wide = buf.data();
  int32_t* rows[2] = {wide + W, wide + W + OW};
  for (size_t p = p0; p < p1; p++) {
    const int8_t* xp = x + p * H * W;
    int8_t* yp = y + p * OH * OW;
    int64_t cached[2] = {-1, -1};
    // the horizontally interpolated input row k, computed into the slot not holding `keep`
    auto row = [&](int64_t k, int64_t keep) -> const int32_t* {
      for (int s = 0; s < 2; s++)
        if (cached[s] == k) return rows[s];
      const int s = cached[0] == keep ? 1 : 0;
      hrow(xp + k * W, static_cast<size_t>(W), x0, x1, wx, static_cast<size_t>(OW), wide, rows[s]);
      cached[s] = k;
      return rows[s];
    };
    for (int64_t oy = 0; oy < OH; oy++) {
      int8_t* yr = yp + oy * OW;
      if (oy > 0 && y0[oy] == y0[oy - 1] && y1[oy] == y1[oy - 1] && wy[oy] == wy[oy - 1]) {
        std::memcpy(yr, yr - OW, static_cast<size_t>(OW));  // same source rows, same weights
        continue;
      }
      if (nearest) {
        const int8_t* r0 = xp + y0[oy] * W;
        for (int64_t ox = 0; ox < OW; ox++) yr[ox] = r0[x0[ox]];
        continue;
      }
      const int32_t* h0 = row(y0[oy], y1[oy]);
      const int32_t* h1 = wy[oy] == 0 ? h0 : row(y1[oy], y0[oy]);
      vrow(h0, h1, wy[oy], static_cast<size_t>(OW), qmax, yr);
    }
  }
}

Status Run(const OpRunCtx& c, const Op& op) {
  const auto& d = c.model.tensors[op.inputs[0]].dims;
  const auto& o = c.model.tensors[op.output].dims;
  const size_t planes = static_cast<size_t>(d[0] * d[1]);
  const size_t chunk = std::max<size_t>(1, (planes + c.pool.threads() * 4 - 1) / (c.pool.threads() * 4));
  const int8_t* x = c.Ptr<const int8_t>(op.inputs[0]);
  int8_t* y = c.Ptr<int8_t>(op.output);
  c.pool.ParallelFor(
      (planes + chunk - 1) / chunk,
      [&](size_t t, int) { ResizePlanes(c, x, d[2], d[3], op.rtab.data(), o[2], o[3], op.qmax, t * chunk, std::min(planes, (t + 1) * chunk), y); },
      op.work * 4);
  return Status::Ok();
}

}  // namespace

extern const OpDef kQResize = {OpKind::kQResize, "qresize", Parse, nullptr, Run};

}  // namespace ops
}  // namespace eq
