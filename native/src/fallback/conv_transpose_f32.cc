// FP32 ConvTranspose, 1-D and 2-D: group, strides, dilations, pads, output_padding,
// output_shape and auto_pad; weight layout [C, M/group, kH, kW]. A port of the TypeScript
// kernel (ops/conv-transpose.ts) with the same loop order: every input pixel scatters into a
// double accumulator, and each output element is rounded to float once after the bias, so
// the two agree bit for bit.
#include <algorithm>
#include <vector>

#include "fallback/prep_ctx.h"
#include "kernels/f32_kernels.h"

namespace eq {
namespace fallback {
namespace {

constexpr int64_t kMaxGeom = 1 << 24;
constexpr uint64_t kMaxWork = uint64_t{1} << 36;

struct TGeom {
  int64_t N, C, H, W, M, group, Cg, Mg, kh, kw, sh, sw, dh, dw, pt, pl, OH, OW;
  int sr;
};

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

class ConvTransposeKernel : public Kernel {
 public:
  ConvTransposeKernel(const TGeom& g, bool has_bias) : g_(g), bias_(has_bias) {}
  // Tiled over output rows: per output channel m and block of output rows, every input channel
  // c (ascending), kernel tap and input pixel adds into a cache-sized double tile. Each output
  // element still receives its terms in the reference order (c, then ki, kj), so the result is
  // the same bit for bit; only the accumulator stays in cache instead of Mg*OH*OW doubles.
  void Run(const void* const* ins, void* const* outs) const override { RunIsa(ins, outs, Isa::kScalar); }
  void RunIsa(const void* const* ins, void* const* outs, Isa isa) const override {
    if (g_.kh == 2 && g_.kw == 2 && g_.sh == 2 && g_.sw == 2 && g_.dh == 1 && g_.dw == 1 && g_.pt == 0 && g_.pl == 0) {
      RunK2S2(ins, outs, kernels::SelectConvTRowK2S2Sum(isa));
      return;
    }
    // kernel width 2 at stride 2 with nothing to the left: each input pixel feeds the output
    // pair (2iw, 2iw + 1) once per row, so both taps go in one pass in the same order per element
    const bool k2s2 = g_.kw == 2 && g_.sw == 2 && g_.dw == 1 && g_.pl == 0 && 2 * g_.W <= g_.OW;
    const kernels::ConvTRowFn k2s2_row = kernels::SelectConvTRowK2S2(isa);
    const float* x = static_cast<const float*>(ins[0]);
    const float* w = static_cast<const float*>(ins[1]);
    const float* b = bias_ ? static_cast<const float*>(ins[2]) : nullptr;
    float* y = static_cast<float*>(outs[0]);
    const TGeom& g = g_;
    const int64_t OHW = g.OH * g.OW;
    const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(g.OH, (32 << 10) / (8 * g.OW)));
    std::vector<double> acc(static_cast<size_t>(rows * g.OW));
    for (int64_t n = 0; n < g.N; n++) {
      for (int64_t gi = 0; gi < g.group; gi++) {
        for (int64_t m = 0; m < g.Mg; m++) {
          const double bv = b ? static_cast<double>(b[gi * g.Mg + m]) : 0.0;
          float* yo = y + (n * g.M + gi * g.Mg + m) * OHW;
          for (int64_t oh0 = 0; oh0 < g.OH; oh0 += rows) {
            const int64_t oh1 = std::min(g.OH, oh0 + rows);
            std::fill(acc.begin(), acc.end(), 0.0);
            for (int64_t c = 0; c < g.Cg; c++) {
              const int64_t ci = gi * g.Cg + c;
              const float* xc = x + (n * g.C + ci) * g.H * g.W;
              const float* wb = w + (ci * g.Mg + m) * g.kh * g.kw;
              for (int64_t ki = 0; ki < g.kh; ki++) {
                // oh = ih*sh + off must lie in [oh0, oh1)
                const int64_t off = ki * g.dh - g.pt;
                const int64_t ih_lo = std::max<int64_t>(0, CeilDiv(oh0 - off, g.sh));
                const int64_t ih_hi = std::min<int64_t>(g.H, FloorDiv(oh1 - 1 - off, g.sh) + 1);
                if (k2s2) {
                  const double w0 = wb[ki * 2], w1 = wb[ki * 2 + 1];
                  for (int64_t ih = ih_lo; ih < ih_hi; ih++)
                    k2s2_row(xc + ih * g.W, static_cast<size_t>(g.W), w0, w1, acc.data() + (ih * g.sh + off - oh0) * g.OW);
                  continue;
                }
                for (int64_t kj = 0; kj < g.kw; kj++) {
                  const double wv = wb[ki * g.kw + kj];
                  const int64_t offw = kj * g.dw - g.pl;
                  const int64_t iw_lo = std::max<int64_t>(0, CeilDiv(-offw, g.sw));
                  const int64_t iw_hi = std::min<int64_t>(g.W, FloorDiv(g.OW - 1 - offw, g.sw) + 1);
                  for (int64_t ih = ih_lo; ih < ih_hi; ih++) {
                    const float* xr = xc + ih * g.W;
                    double* ar = acc.data() + (ih * g.sh + off - oh0) * g.OW + offw;
                    if (g.sw == 1) {
                      for (int64_t iw = iw_lo; iw < iw_hi; iw++) ar[iw] += wv * static_cast<double>(xr[iw]);
                    } else {
                      for (int64_t iw = iw_lo; iw < iw_hi; iw++) ar[iw * g.sw] += wv * static_cast<double>(xr[iw]);
                    }
                  }
                }
              }
            }
            float* yr = yo + oh0 * g.OW;
            const int64_t cnt = (oh1 - oh0) * g.OW;
            for (int64_t i = 0; i < cnt; i++) yr[i] = static_cast<float>(acc[static_cast<size_t>(i)] + bv);
          }
        }
      }
    }
  }

 private:
  // 2x2 taps at stride 2 from the top-left corner: output (oh, ow) takes only tap
  // (oh & 1, ow & 1) of every input channel at (oh >> 1, ow >> 1), so a row is one sum over the
  // channels per element, in the same channel order as the scatter loop; rows and columns past
  // 2H x 2W (output_padding) get the bias alone.
  void RunK2S2(const void* const* ins, void* const* outs, kernels::ConvTRowSumFn row) const {
    const float* x = static_cast<const float*>(ins[0]);
    const float* w = static_cast<const float*>(ins[1]);
    const float* b = bias_ ? static_cast<const float*>(ins[2]) : nullptr;
    float* y = static_cast<float*>(outs[0]);
    const TGeom& g = g_;
    const int64_t HW = g.H * g.W, valid_w = std::min(g.OW, 2 * g.W);
    std::vector<double> wpk(static_cast<size_t>(2 * 4 * g.Cg));  // [ki][c][w0 w1 w0 w1]
    for (int64_t n = 0; n < g.N; n++) {
      for (int64_t gi = 0; gi < g.group; gi++) {
        const float* xg = x + (n * g.C + gi * g.Cg) * HW;
        for (int64_t m = 0; m < g.Mg; m++) {
          const double bv = b ? static_cast<double>(b[gi * g.Mg + m]) : 0.0;
          const float only_bias = static_cast<float>(0.0 + bv);
          for (int64_t ki = 0; ki < 2; ki++) {
            for (int64_t c = 0; c < g.Cg; c++) {
              const float* wc = w + ((gi * g.Cg + c) * g.Mg + m) * 4 + ki * 2;
              double* d = wpk.data() + (ki * g.Cg + c) * 4;
              d[0] = d[2] = wc[0];
              d[1] = d[3] = wc[1];
            }
          }
          float* yo = y + (n * g.M + gi * g.Mg + m) * g.OH * g.OW;
          for (int64_t oh = 0; oh < g.OH; oh++) {
            float* yr = yo + oh * g.OW;
            const int64_t ih = oh >> 1;
            int64_t done = 0;
            if (ih < g.H) {
              row(xg + ih * g.W, static_cast<size_t>(HW), static_cast<size_t>(g.Cg), wpk.data() + (oh & 1) * g.Cg * 4, bv, static_cast<size_t>(valid_w), yr);
              done = valid_w;
            }
            std::fill(yr + done, yr + g.OW, only_bias);
          }
        }
      }
    }
  }

  TGeom g_;
  bool bias_;
};

// a spatial attribute as [h, w] (1-D: [dflt, v])
Status Spatial(const PrepCtx& c, const char* name, int sr, int64_t dflt, int64_t out[2]) {
  Dims v;
  EQ_RETURN_IF_ERROR(c.AttrInts(name, Dims(static_cast<size_t>(sr), dflt), &v));
  if (static_cast<int>(v.size()) != sr) return c.Fail(std::string("attribute ") + name + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(sr));
  out[0] = sr == 1 ? dflt : v[0];
  out[1] = v[sr - 1];
  return Status::Ok();
}

}  // namespace

Status PrepareConvTranspose(PrepCtx& c) {
  const TensorInfo *x, *w, *b = nullptr;
  EQ_RETURN_IF_ERROR(c.InputCount(2, 3));
  EQ_RETURN_IF_ERROR(c.Req(0, "X", &x));
  EQ_RETURN_IF_ERROR(c.Req(1, "W", &w));
  if (c.HasInput(2)) EQ_RETURN_IF_ERROR(c.Req(2, "B", &b));
  EQ_RETURN_IF_ERROR(c.OnlyOutputs(1));
  const size_t rank = x->dims.size();
  if (rank != 3 && rank != 4) return c.Unsup("input must be 3-D or 4-D (N,C,[H,]W), got " + DimsStr(x->dims));
  if (w->dims.size() != rank) return c.Fail("weight " + DimsStr(w->dims) + " does not match input rank " + std::to_string(rank));
  TGeom g{};
  g.sr = static_cast<int>(rank) - 2;
  g.N = x->dims[0];
  g.C = x->dims[1];
  g.H = g.sr == 1 ? 1 : x->dims[2];
  g.W = x->dims[rank - 1];
  EQ_RETURN_IF_ERROR(c.AttrInt("group", 1, &g.group));
  if (g.group < 1 || g.C % g.group != 0) return c.Fail("input channels " + std::to_string(g.C) + " are not divisible by group " + std::to_string(g.group));
  if (w->dims[0] != g.C) return c.Fail("weight " + DimsStr(w->dims) + " expects " + std::to_string(w->dims[0]) + " input channels, the input has " + std::to_string(g.C));
  g.Cg = g.C / g.group;
  g.Mg = w->dims[1];
  g.M = g.Mg * g.group;
  if (b && (b->dims.size() != 1 || b->dims[0] != g.M)) return c.Fail("bias " + DimsStr(b->dims) + " does not match " + std::to_string(g.M) + " output channels");
  g.kh = g.sr == 1 ? 1 : w->dims[2];
  g.kw = w->dims[rank - 1];
  if (c.fn.FindAttr("kernel_shape")) {
    int64_t ks[2];
    EQ_RETURN_IF_ERROR(Spatial(c, "kernel_shape", g.sr, 1, ks));
    if (ks[0] != g.kh || ks[1] != g.kw) return c.Fail("kernel_shape does not match the weight shape " + DimsStr(w->dims));
  }
  int64_t st[2], dl[2], op[2];
  EQ_RETURN_IF_ERROR(Spatial(c, "strides", g.sr, 1, st));
  EQ_RETURN_IF_ERROR(Spatial(c, "dilations", g.sr, 1, dl));
  EQ_RETURN_IF_ERROR(Spatial(c, "output_padding", g.sr, 0, op));
  for (int64_t v : {st[0], st[1], dl[0], dl[1]})
    if (v < 1 || v > kMaxGeom) return c.Fail("strides and dilations must be positive (and below 2^24)");
  for (int64_t v : {op[0], op[1], g.kh, g.kw})
    if (v < 0 || v > kMaxGeom) return c.Fail("output_padding and the kernel size must be in 0..2^24");
  Dims pads_attr;
  EQ_RETURN_IF_ERROR(c.AttrInts("pads", Dims(static_cast<size_t>(2 * g.sr), 0), &pads_attr));
  if (static_cast<int>(pads_attr.size()) != 2 * g.sr) return c.Fail("attribute pads has " + std::to_string(pads_attr.size()) + " values");
  Dims pads = g.sr == 1 ? Dims{0, pads_attr[0], 0, pads_attr[1]} : pads_attr;
  for (int64_t p : pads)
    if (p < 0 || p > kMaxGeom) return c.Unsup("pads " + DimsStr(pads_attr) + " are not supported");
  std::string auto_pad;
  EQ_RETURN_IF_ERROR(c.AttrString("auto_pad", "NOTSET", &auto_pad));
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID") return c.Fail("unknown auto_pad '" + auto_pad + "'");
  Dims out_shape;
  EQ_RETURN_IF_ERROR(c.AttrInts("output_shape", Dims{}, &out_shape));
  bool has_target = false;
  int64_t target[2] = {1, 1};
  if (!out_shape.empty()) {
    Dims os = static_cast<int>(out_shape.size()) == g.sr + 2 ? Dims(out_shape.begin() + 2, out_shape.end()) : out_shape;
    if (static_cast<int>(os.size()) != g.sr) return c.Fail("output_shape " + DimsStr(out_shape) + " does not match spatial rank " + std::to_string(g.sr));
    target[0] = g.sr == 1 ? 1 : os[0];
    target[1] = os[g.sr - 1];
    has_target = true;
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    target[0] = g.sr == 1 ? 1 : g.H * st[0];
    target[1] = g.W * st[1];
    has_target = true;
  }
  const int64_t ins[2] = {g.H, g.W}, ksz[2] = {g.kh, g.kw};
  int64_t outs[2];
  for (int i = 0; i < 2; i++) {
    const int64_t full = st[i] * (ins[i] - 1) + op[i] + (ksz[i] - 1) * dl[i] + 1;
    if (has_target) {
      const int64_t total = full - target[i];
      if (total < 0) return c.Fail("output_shape " + std::to_string(target[i]) + " is larger than the full output " + std::to_string(full));
      const int64_t half = total / 2;
      pads[i] = auto_pad == "SAME_UPPER" ? half : total - half;
      pads[i + 2] = total - pads[i];
      outs[i] = target[i];
    } else {
      if (auto_pad == "VALID") pads[i] = pads[i + 2] = 0;
      outs[i] = full - pads[i] - pads[i + 2];
    }
    if (outs[i] < 1) return c.Fail("output size " + std::to_string(outs[i]) + " is not positive");
  }
  g.sh = st[0];
  g.sw = st[1];
  g.dh = dl[0];
  g.dw = dl[1];
  g.pt = pads[0];
  g.pl = pads[1];
  g.OH = outs[0];
  g.OW = outs[1];
  const Dims out = g.sr == 1 ? Dims{g.N, g.M, g.OW} : Dims{g.N, g.M, g.OH, g.OW};
  EQ_RETURN_IF_ERROR(c.CheckOutput(0, out, DType::kF32));
  const double work = static_cast<double>(x->numel) * static_cast<double>(g.Mg) * static_cast<double>(g.kh * g.kw) + static_cast<double>(Numel(out));
  if (work > static_cast<double>(kMaxWork)) return c.Unsup("the layer needs more than 2^36 multiply-adds");
  c.SetKernel(std::make_shared<ConvTransposeKernel>(g, b != nullptr), static_cast<uint64_t>(work));
  return Status::Ok();
}

}  // namespace fallback
}  // namespace eq
