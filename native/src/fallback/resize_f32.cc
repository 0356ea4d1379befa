// FP32 Resize (opset 10+): modes nearest, linear and cubic; coordinate transformation modes
// half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric and
// tf_half_pixel_for_nn; nearest modes round_prefer_floor/ceil, floor, ceil (opset 10: ORT's
// rule); scales or sizes as constants; axes and keep_aspect_ratio_policy (opset 18+).
// tf_crop_and_resize and antialiased downscaling are not supported.
// A port of the TypeScript kernel (ops/resize.ts, ops/resize-common.ts) with the same
// arithmetic: coordinates in float32, one tap table per axis, axes applied one after another
// on double buffers in the same order, one rounding to float at the end — bit-exact with it.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "fallback/prep_ctx.h"

namespace eq {
namespace fallback {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord { kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNn };
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct AxisTaps {
  int taps = 1;
  std::vector<int64_t> idx;
  std::vector<double> wt;
  bool identity = false;
};

struct Options {
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  Nearest nearest = Nearest::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
};

float OriginalCoord(const Options& o, int64_t xi, float scale, int64_t in_len, int64_t out_len) {
  const float x = static_cast<float>(xi);
  switch (o.coord) {
    case Coord::kHalfPixel:
      return (x + 0.5f) / scale - 0.5f;
    case Coord::kHalfPixelSymmetric: {
      const float adjustment = static_cast<float>(out_len) / (scale * static_cast<float>(in_len));
      const float center = static_cast<float>(in_len) / 2.0f;
      const float offset = center * (1.0f - adjustment);
      return offset + ((x + 0.5f) / scale - 0.5f);
    }
    case Coord::kPytorchHalfPixel:
      return out_len > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
    case Coord::kAlignCorners:
      return out_len == 1 ? 0.0f : static_cast<float>(static_cast<double>(xi) * static_cast<double>(in_len - 1)) / static_cast<float>(out_len - 1);
    case Coord::kAsymmetric:
      return x / scale;
    case Coord::kTfHalfPixelForNn:
      return (x + 0.5f) / scale;
  }
  return 0.0f;
}

int64_t NearestIndex(Nearest m, double x, bool downsample) {
  const double fl = std::floor(x);
  switch (m) {
    case Nearest::kRoundPreferFloor:
      return static_cast<int64_t>(x == fl + 0.5 ? fl : std::floor(x + 0.5));
    case Nearest::kRoundPreferCeil:
      return static_cast<int64_t>(x == fl + 0.5 ? std::ceil(x) : std::floor(x + 0.5));
    case Nearest::kFloor:
      return static_cast<int64_t>(fl);
    case Nearest::kCeil:
      return static_cast<int64_t>(std::ceil(x));
    case Nearest::kSimple:
      return static_cast<int64_t>(downsample ? std::ceil(x) : std::trunc(x));
  }
  return 0;
}

AxisTaps MakeTaps(const Options& o, int64_t in_len, int64_t out_len, float scale) {
  AxisTaps t;
  t.taps = o.mode == Mode::kNearest ? 1 : o.mode == Mode::kLinear ? 2 : 4;
  if (scale == 1.0f && in_len == out_len) {
    t.identity = true;  // as onnxruntime: an unscaled axis is left untouched
    return t;
  }
  const int T = t.taps;
  t.idx.assign(static_cast<size_t>(out_len * T), 0);
  t.wt.assign(static_cast<size_t>(out_len * T), 0.0);
  bool identity = in_len == out_len;
  for (int64_t i = 0; i < out_len; i++) {
    const double x = OriginalCoord(o, i, scale, in_len, out_len);
    if (o.mode == Mode::kNearest) {
      int64_t k = NearestIndex(o.nearest, x, scale < 1.0f);
      k = std::min(std::max<int64_t>(k, 0), in_len - 1);
      t.idx[i] = k;
      t.wt[i] = 1.0;
      if (k != i) identity = false;
    } else if (o.mode == Mode::kLinear) {
      const double xc = std::min(std::max(x, 0.0), static_cast<double>(in_len - 1));
      const int64_t k0 = static_cast<int64_t>(std::floor(xc));
      const int64_t k1 = std::min(k0 + 1, in_len - 1);
      const double w1 = xc - static_cast<double>(k0);
      t.idx[2 * i] = k0;
      t.idx[2 * i + 1] = k1;
      t.wt[2 * i] = 1.0 - w1;
      t.wt[2 * i + 1] = w1;
      if (k0 != i || w1 != 0) identity = false;
    } else {
      const double kf = std::floor(x);
      const int64_t k = static_cast<int64_t>(kf);
      const double tt = x - kf, A = o.cubic_a;
      const double x0 = tt + 1, x1 = tt, x2 = 1 - tt, x3 = 2 - tt;
      const double c[4] = {((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A, ((A + 2) * x1 - (A + 3)) * x1 * x1 + 1,
                           ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1, ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A};
      double sum = 0;
      for (int j = 0; j < 4; j++) {
        const int64_t raw = k - 1 + j;
        double w = c[j];
        if (o.exclude_outside && (raw < 0 || raw >= in_len)) w = 0;
        t.idx[4 * i + j] = std::min(std::max<int64_t>(raw, 0), in_len - 1);
        t.wt[4 * i + j] = w;
        sum += w;
      }
      if (o.exclude_outside && sum != 0)
        for (int j = 0; j < 4; j++) t.wt[4 * i + j] /= sum;
      if (x != static_cast<double>(i)) identity = false;
    }
  }
  t.identity = identity;
  return t;
}

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(Dims in, Dims out, std::vector<AxisTaps> taps, std::vector<size_t> order, bool nearest)
      : in_(std::move(in)), out_(std::move(out)), taps_(std::move(taps)), order_(std::move(order)), nearest_(nearest) {}
  void Run(const void* const* ins, void* const* outs) const override {
    const float* x = static_cast<const float*>(ins[0]);
    float* y = static_cast<float*>(outs[0]);
    if (nearest_) return RunNearest(x, y);
    if (Bilinear2d()) return RunBilinear2d(x, y);
    std::vector<double> cur(static_cast<size_t>(Numel(in_)));
    for (size_t i = 0; i < cur.size(); i++) cur[i] = x[i];
    Dims dims = in_;
    std::vector<double> dst;
    for (size_t ax : order_) {
      const AxisTaps& t = taps_[ax];
      int64_t outer = 1, inner = 1;
      for (size_t i = 0; i < ax; i++) outer *= dims[i];
      for (size_t i = ax + 1; i < dims.size(); i++) inner *= dims[i];
      const int64_t in_len = dims[ax], out_len = out_[ax];
      dst.assign(static_cast<size_t>(outer * out_len * inner), 0.0);
      const int T = t.taps;
      for (int64_t o = 0; o < outer; o++) {
        const double* sb = cur.data() + o * in_len * inner;
        double* db = dst.data() + o * out_len * inner;
        for (int64_t i = 0; i < out_len; i++) {
          double* d = db + i * inner;
          for (int k = 0; k < T; k++) {
            const double w = t.wt[i * T + k];
            if (w == 0) continue;
            const double* s = sb + t.idx[i * T + k] * inner;
            if (T == 1) {
              std::memcpy(d, s, static_cast<size_t>(inner) * sizeof(double));
            } else {
              for (int64_t j = 0; j < inner; j++) d[j] += w * s[j];
            }
          }
        }
      }
      cur.swap(dst);
      dims[ax] = out_len;
    }
    for (size_t i = 0; i < cur.size(); i++) y[i] = static_cast<float>(cur[i]);
  }

 private:
  // Linear on the last two axes only, the height axis first (the separable order for a 2-D
  // upsampling): each output row is made from one height-interpolated row of doubles, so the
  // two full-size double buffers of the general path are not needed. The arithmetic is the
  // general path's, in the same order: a tap of weight 0 is skipped, the sum starts at +0.0.
  bool Bilinear2d() const {
    const size_t r = in_.size();
    return r >= 2 && order_.size() == 2 && order_[0] == r - 2 && order_[1] == r - 1 && taps_[r - 2].taps == 2 && taps_[r - 1].taps == 2;
  }

  void RunBilinear2d(const float* x, float* y) const {
    const size_t r = in_.size();
    const AxisTaps& th = taps_[r - 2];
    const AxisTaps& tw = taps_[r - 1];
    const int64_t H = in_[r - 2], W = in_[r - 1], OH = out_[r - 2], OW = out_[r - 1];
    const int64_t planes = Numel(in_) / (H * W);
    std::vector<double> row(static_cast<size_t>(W));
    for (int64_t p = 0; p < planes; p++) {
      const float* xp = x + p * H * W;
      float* yp = y + p * OH * OW;
      for (int64_t i = 0; i < OH; i++) {
        const double a0 = th.wt[2 * i], a1 = th.wt[2 * i + 1];
        const float* s0 = xp + th.idx[2 * i] * W;
        const float* s1 = xp + th.idx[2 * i + 1] * W;
        for (int64_t j = 0; j < W; j++) {
          double v = 0.0;
          if (a0 != 0) v += a0 * static_cast<double>(s0[j]);
          if (a1 != 0) v += a1 * static_cast<double>(s1[j]);
          row[j] = v;
        }
        float* d = yp + i * OW;
        for (int64_t j = 0; j < OW; j++) {
          const double b0 = tw.wt[2 * j], b1 = tw.wt[2 * j + 1];
          double v = 0.0;
          if (b0 != 0) v += b0 * row[tw.idx[2 * j]];
          if (b1 != 0) v += b1 * row[tw.idx[2 * j + 1]];
          d[j] = static_cast<float>(v);
        }
      }
    }
  }

  // Nearest: every output element is one input element (the separable passes only copy, and
  // float -> double -> float is exact), so gather directly through per-axis offset tables.
  void RunNearest(const float* x, float* y) const {
    const size_t r = in_.size();
    std::vector<std::vector<int64_t>> off(r);
    int64_t stride = 1;
    for (size_t a = r; a-- > 0;) {
      off[a].resize(static_cast<size_t>(out_[a]));
      for (int64_t i = 0; i < out_[a]; i++) off[a][i] = (taps_[a].identity ? i : taps_[a].idx[i]) * stride;
      stride *= in_[a];
    }
    const int64_t inner = out_[r - 1];
    const int64_t rows = Numel(out_) / inner;
    const int64_t* last = off[r - 1].data();
    std::vector<int64_t> idx(r, 0);
    for (int64_t row = 0; row < rows; row++) {
      int64_t base = 0;
      for (size_t a = 0; a + 1 < r; a++) base += off[a][idx[a]];
      const float* src = x + base;
      float* dst = y + row * inner;
      for (int64_t j = 0; j < inner; j++) dst[j] = src[last[j]];
      for (size_t a = r - 1; a-- > 0;) {
        if (++idx[a] < out_[a]) break;
        idx[a] = 0;
      }
    }
  }

  Dims in_, out_;
  std::vector<AxisTaps> taps_;
  std::vector<size_t> order_;
  bool nearest_;
};

// a constant float32 input (scales / roi); absent or empty → empty
Status ConstFloats(const PrepCtx& c, size_t i, const char* what, std::vector<float>* v) {
  v->clear();
  if (!c.HasInput(i)) return Status::Ok();
  const TensorInfo* t = c.Input(i);
  if (t->numel == 0) return Status::Ok();
  if (t->kind != TensorKind::kConstant) return c.Unsup(std::string("input ") + what + " must be a constant");
  if (t->dtype != DType::kF32) return c.Unsup(std::string("input ") + what + " must be float32");
  v->resize(static_cast<size_t>(t->numel));
  std::memcpy(v->data(), t->data.data(), t->bytes());
  return Status::Ok();
}

}  // namespace

Status PrepareResize(PrepCtx& c) {
  const TensorInfo* x;
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const Dims& dims = x->dims;
  const size_t r = dims.size();
  if (r == 0) return c.Fail("input must have rank >= 1");
  Options o;
  std::string mode;
  EQ_RETURN_IF_ERROR(c.AttrString("mode", "nearest", &mode));
  if (mode == "nearest") o.mode = Mode::kNearest;
  else if (mode == "linear") o.mode = Mode::kLinear;
  else if (mode == "cubic" && c.opset >= 11) o.mode = Mode::kCubic;
  else return c.Fail("mode '" + mode + "' is not valid at opset " + std::to_string(c.opset));
  Dims out = dims;
  std::vector<float> scales(r, 1.0f);
  if (c.opset < 11) {
    EQ_RETURN_IF_ERROR(c.InputCount(2, 2));
    o.coord = Coord::kAsymmetric;
    o.nearest = Nearest::kSimple;
    std::vector<float> s;
    EQ_RETURN_IF_ERROR(ConstFloats(c, 1, "scales", &s));
    if (s.size() != r) return c.Fail("scales has " + std::to_string(s.size()) + " values for rank " + std::to_string(r));
    for (size_t i = 0; i < r; i++) {
      if (!(s[i] > 0) || !std::isfinite(s[i])) return c.Fail("scale " + std::to_string(s[i]) + " must be positive and finite");
      scales[i] = s[i];
      out[i] = static_cast<int64_t>(std::floor(s[i] * static_cast<float>(dims[i])));
    }
  } else {
    EQ_RETURN_IF_ERROR(c.InputCount(1, 4));
    std::string coord, nearest;
    EQ_RETURN_IF_ERROR(c.AttrString("coordinate_transformation_mode", "half_pixel", &coord));
    if (coord == "half_pixel") o.coord = Coord::kHalfPixel;
    else if (coord == "pytorch_half_pixel") o.coord = Coord::kPytorchHalfPixel;
    else if (coord == "align_corners") o.coord = Coord::kAlignCorners;
    else if (coord == "asymmetric") o.coord = Coord::kAsymmetric;
    else if (coord == "tf_half_pixel_for_nn" && c.opset < 13) o.coord = Coord::kTfHalfPixelForNn;
    else if (coord == "half_pixel_symmetric" && c.opset >= 19) o.coord = Coord::kHalfPixelSymmetric;
    else if (coord == "tf_crop_and_resize") return c.Unsup("coordinate_transformation_mode tf_crop_and_resize is not supported");
    else return c.Fail("coordinate_transformation_mode '" + coord + "' is not valid at opset " + std::to_string(c.opset));
    EQ_RETURN_IF_ERROR(c.AttrString("nearest_mode", "round_prefer_floor", &nearest));
    if (nearest == "round_prefer_floor") o.nearest = Nearest::kRoundPreferFloor;
    else if (nearest == "round_prefer_ceil") o.nearest = Nearest::kRoundPreferCeil;
    else if (nearest == "floor") o.nearest = Nearest::kFloor;
    else if (nearest == "ceil") o.nearest = Nearest::kCeil;
    else return c.Fail("unknown nearest_mode '" + nearest + "'");
    EQ_RETURN_IF_ERROR(c.AttrFloat("cubic_coeff_a", -0.75, &o.cubic_a));
    int64_t excl;
    EQ_RETURN_IF_ERROR(c.AttrInt("exclude_outside", 0, &excl));
    o.exclude_outside = excl != 0;
    Dims axes;
    if (c.opset >= 18) EQ_RETURN_IF_ERROR(c.AttrInts("axes", Dims{}, &axes));
    if (axes.empty()) {
      axes.resize(r);
      std::iota(axes.begin(), axes.end(), 0);
    } else {
      for (int64_t& a : axes) EQ_RETURN_IF_ERROR(c.NormAxis(a, static_cast<int64_t>(r), &a));
    }
    std::vector<float> sc;
    EQ_RETURN_IF_ERROR(ConstFloats(c, 2, "scales", &sc));
    Dims sizes;
    const bool has_sizes = c.HasInput(3) && c.Input(3)->numel > 0;
    if (has_sizes) EQ_RETURN_IF_ERROR(c.ConstInts(3, "sizes", &sizes));
    if (has_sizes) {
      if (!sc.empty()) return c.Fail("only one of scales and sizes may be given");
      if (sizes.size() != axes.size()) return c.Fail("sizes has " + std::to_string(sizes.size()) + " values, expected " + std::to_string(axes.size()));
      std::string policy = "stretch";
      if (c.opset >= 18) EQ_RETURN_IF_ERROR(c.AttrString("keep_aspect_ratio_policy", "stretch", &policy));
      for (size_t i = 0; i < axes.size(); i++)
        if (sizes[i] < 1 || sizes[i] > (int64_t{1} << 31)) return c.Fail("sizes " + DimsStr(sizes) + " are not valid");
      if (policy == "stretch") {
        for (size_t i = 0; i < axes.size(); i++) {
          out[axes[i]] = sizes[i];
          scales[axes[i]] = static_cast<float>(sizes[i]) / static_cast<float>(dims[axes[i]]);
        }
      } else if (policy == "not_larger" || policy == "not_smaller") {
        float s = 0;
        for (size_t i = 0; i < axes.size(); i++) {
          const float ratio = static_cast<float>(sizes[i]) / static_cast<float>(dims[axes[i]]);
          s = i == 0 ? ratio : policy == "not_larger" ? std::min(s, ratio) : std::max(s, ratio);
        }
        for (int64_t a : axes) {
          out[a] = static_cast<int64_t>(std::floor(static_cast<double>(s * static_cast<float>(dims[a])) + 0.5));
          scales[a] = s;
        }
      } else {
        return c.Fail("unknown keep_aspect_ratio_policy '" + policy + "'");
      }
    } else if (!sc.empty()) {
      if (sc.size() != axes.size()) return c.Fail("scales has " + std::to_string(sc.size()) + " values, expected " + std::to_string(axes.size()));
      for (size_t i = 0; i < axes.size(); i++) {
        if (!(sc[i] > 0) || !std::isfinite(sc[i])) return c.Fail("scale " + std::to_string(sc[i]) + " must be positive and finite");
        scales[axes[i]] = sc[i];
        out[axes[i]] = static_cast<int64_t>(std::floor(sc[i] * static_cast<float>(dims[axes[i]])));
      }
    } else {
      return c.Fail("one of scales or sizes must be given (non-empty)");
    }
  }
  for (int64_t d : out)
    if (d < 1 || d > (int64_t{1} << 31)) return c.Fail("output shape " + DimsStr(out) + " is not valid");
  if (c.opset >= 18 && o.mode != Mode::kNearest) {
    int64_t aa;
    EQ_RETURN_IF_ERROR(c.AttrInt("antialias", 0, &aa));
    for (size_t i = 0; i < r; i++)
      if (aa != 0 && out[i] < dims[i]) return c.Unsup("antialias with downscaling is not supported");
  }
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  std::vector<AxisTaps> taps(r);
  std::vector<size_t> order;
  for (size_t i = 0; i < r; i++) {
    taps[i] = MakeTaps(o, dims[i], out[i], scales[i]);
    if (!taps[i].identity) order.push_back(i);
  }
  // shrinking axes first, then growing ones (the TypeScript kernel's stable order)
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return static_cast<double>(out[a]) / static_cast<double>(dims[a]) < static_cast<double>(out[b]) / static_cast<double>(dims[b]);
  });
  uint64_t work = static_cast<uint64_t>(x->numel);
  for (size_t a : order) work += static_cast<uint64_t>(Numel(out)) * static_cast<uint64_t>(taps[a].taps);
  c.SetKernel(std::make_shared<ResizeKernel>(dims, out, std::move(taps), std::move(order), o.mode == Mode::kNearest), work);
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
