// Zero offsets (TensorInfo::zero, "unsigned activations": a stored v stands for v + z) in the
// int8 kernels: the scalar output stage against the direct formula q = clip(rne(f32(a) * M) - z,
// lo, hi) on all three of its paths (rows, gemm layout, tap), every ISA's output stage against
// the scalar one with z = 63 and 127 (row tails, channel offsets, clamps, ties), z = 0 giving the
// bytes of the plain kernels, and the element-wise, concat, average-pool and pad kernels with
// offsets against their formulas (docs/eqm-format.md).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "eqtest.h"
#include "kernels/isa.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

namespace {

// rne then the offset and the clamp, in double (nearbyint rounds half to even in the default mode)
int32_t Clip(double v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : static_cast<int32_t>(v); }
int8_t Formula(float v, int32_t lo, int32_t hi, int32_t z) {
  if (std::isnan(v)) return 0;  // the reference stores NaN - z as 0
  return static_cast<int8_t>(Clip(std::nearbyint(static_cast<double>(v)) - z, lo, hi));
}

struct StageData {
  std::vector<int32_t> acc, bias;
  std::vector<float> mult;
  std::vector<double> tap_mult;
};

// nc channels (plus 2 spare) of rows with pitch np + 2: mostly inside the clamp range so the
// rounding matters (many exact .5 products), some far outside it
StageData RandomStage(eqtest::Rng& r, size_t nc, size_t np) {
  StageData d;
  d.acc.resize(nc * (np + 2));
  d.bias.resize(nc + 2);
  d.mult.resize(nc + 2);
  d.tap_mult.assign(nc + 2, 0.25);
  for (auto& a : d.acc) a = r.Uniform(0, 9) == 0 ? r.Uniform(-1000000000, 1000000000) : r.Uniform(-12000, 12000);
  for (size_t c = 0; c < nc + 2; c++) {
    d.bias[c] = r.Uniform(-1000, 1000);
    d.mult[c] = static_cast<float>(r.Uniform(1, 64)) / 256.0f;
  }
  return d;
}

// clamps in the stored domain: none, ReLU on the offset grid (real 0 = -z), ReLU6-like, a narrow Clip
std::vector<std::pair<int32_t, int32_t>> Clamps(int32_t qmax, int32_t z) {
  const int32_t relu = std::max(-qmax, -z);
  return {{-qmax, qmax}, {relu, qmax}, {relu, std::min(qmax, relu + 40)}, {-20, 6}};
}

const size_t kRowLengths[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 19, 23, 28, 31, 32, 33, 47, 49, 64, 65, 169, 196};

// fn against the scalar stage on NCHW rows and the gemm layout, with z = 63 and 127 (and 0)
void CompareWithScalar(OutputStageS8Fn fn, const char* name, uint32_t seed) {
  eqtest::Rng r(seed);
  size_t cases = 0;
  for (size_t np : kRowLengths)
    for (size_t nc : {1, 3, 7}) {
      const StageData d = RandomStage(r, nc, np);
      for (int32_t qmax : {127, 63})
        for (int32_t z : {63, 127, 0})
          for (const auto& [lo, hi] : Clamps(qmax, z)) {
            OutputStage s{d.bias.data(), d.mult.data(), d.tap_mult.data(), lo, hi, false, 0, 0};
            s.zero = z;
            // channel offset 1, position offset 2, accumulator pitch np + 2, output pitch np + 3
            std::vector<int8_t> want((nc + 1) * (np + 3) + 16, 0x5a), got = want;
            size_t b1 = 0, b2 = 0;
            EQ_EXPECT(OutputStageS8(d.acc.data(), np + 2, 1, nc, 2, np, s, want.data(), np + 3, 1, nullptr, &b1));
            EQ_EXPECT(fn(d.acc.data(), np + 2, 1, nc, 2, np, s, got.data(), np + 3, 1, nullptr, &b2));
            EQ_EXPECT(want == got) << name << " np=" << np << " nc=" << nc << " z=" << z << " clamp [" << lo << "," << hi << "]";
            // gemm layout [P][cout] (pstride = nc + 1)
            std::vector<int8_t> gw((np + 2) * (nc + 1) + 8, 0x33), gg = gw;
            EQ_EXPECT(OutputStageS8(d.acc.data(), np + 2, 1, nc, 2, np, s, gw.data(), 1, nc + 1, nullptr, &b1));
            EQ_EXPECT(fn(d.acc.data(), np + 2, 1, nc, 2, np, s, gg.data(), 1, nc + 1, nullptr, &b2));
            EQ_EXPECT(gw == gg) << name << " gemm layout np=" << np << " nc=" << nc << " z=" << z;
            cases++;
          }
    }
  EQ_EXPECT(cases > 1000) << cases;
}

}  // namespace

EQ_TEST(zero_offset_scalar_output_stage_matches_formula) {
  eqtest::Rng r(201);
  for (size_t np : {1, 5, 16, 33}) {
    const size_t nc = 4;
    const StageData d = RandomStage(r, nc, np);
    for (int32_t qmax : {127, 63})
      for (int32_t z : {0, 1, 63, 127})
        for (const auto& [lo, hi] : Clamps(qmax, z)) {
          OutputStage s{d.bias.data(), d.mult.data(), d.tap_mult.data(), lo, hi, false, 0, 0};
          s.zero = z;
          std::vector<int8_t> rows(nc * np), gemm(nc * np), tapped(nc * np);
          std::vector<float> tap(nc * np);
          size_t bad = 0;
          EQ_EXPECT(OutputStageS8(d.acc.data(), np + 2, 0, nc, 0, np, s, rows.data(), np, 1, nullptr, &bad));
          EQ_EXPECT(OutputStageS8(d.acc.data(), np + 2, 0, nc, 0, np, s, gemm.data(), 1, nc, nullptr, &bad));
          EQ_EXPECT(OutputStageS8(d.acc.data(), np + 2, 0, nc, 0, np, s, tapped.data(), np, 1, tap.data(), &bad));
          size_t wrong = 0;
          for (size_t c = 0; c < nc; c++)
            for (size_t p = 0; p < np; p++) {
              const int32_t a = d.acc[c * (np + 2) + p] + d.bias[c];
              const int8_t want = Formula(static_cast<float>(a) * d.mult[c], lo, hi, z);
              wrong += rows[c * np + p] != want || gemm[p * nc + c] != want || tapped[c * np + p] != want;
              // the tap is the pre-activation, unaffected by the output's offset
              wrong += tap[c * np + p] != static_cast<float>(static_cast<double>(a) * 0.25);
            }
          EQ_EXPECT(wrong == 0) << "np=" << np << " z=" << z << " clamp [" << lo << "," << hi << "]: " << wrong << " wrong";
        }
  }
}

EQ_TEST(zero_offset_scalar_output_stage_examples) {
  // M = 0.5, z = 127 (an INT8 ReLU output on [0, 254]): q = clip(rne(a / 2) - 127, -127, 127)
  const int32_t acc[] = {-9, 0, 1, 3, 5, 250, 251, 253, 255, 507, 509, 600, 100000};
  const int8_t want[] = {-127, -127, -127, -125, -125, -2, -1, -1, 1, 127, 127, 127, 127};  // 125.5 → 126, 126.5 → 126
  const size_t np = sizeof(acc) / sizeof(acc[0]);
  std::vector<int32_t> bias{0};
  std::vector<float> mult{0.5f};
  std::vector<double> tap_mult{1.0};
  OutputStage s{bias.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
  s.zero = 127;
  std::vector<int8_t> got(np);
  size_t bad = 0;
  EQ_EXPECT(OutputStageS8(acc, np, 0, 1, 0, np, s, got.data(), np, 1, nullptr, &bad));
  for (size_t j = 0; j < np; j++) EQ_EXPECT(got[j] == want[j]) << "acc=" << acc[j] << ": got " << int(got[j]) << ", want " << int(want[j]);
  // z = 0 is the plain stage: the same bytes as ClipRne
  s.zero = 0;
  EQ_EXPECT(OutputStageS8(acc, np, 0, 1, 0, np, s, got.data(), np, 1, nullptr, &bad));
  for (size_t j = 0; j < np; j++) EQ_EXPECT(got[j] == Formula(static_cast<float>(acc[j]) * 0.5f, -127, 127, 0)) << "z=0 acc=" << acc[j];
}

#if defined(EQ_HAVE_AVX2)
EQ_TEST(zero_offset_output_stage_avx2_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx2)) return;
  CompareWithScalar(&OutputStageS8Avx2, "avx2", 211);
}
#endif

#if defined(EQ_HAVE_AVX512VNNI)
EQ_TEST(zero_offset_output_stage_avx512_matches_scalar) {
  if (!eq::IsaAvailable(eq::Isa::kAvx512Vnni)) return;
  CompareWithScalar(&OutputStageS8Avx512, "avx512", 212);
}
#endif

#if defined(EQ_HAVE_NEON)
EQ_TEST(zero_offset_output_stage_neon_matches_scalar) {
  CompareWithScalar(&OutputStageS8Neon, "neon", 213);
}
#endif

EQ_TEST(zero_offset_output_stage_selected_matches_scalar) {
  // whatever this host's best level picks (covers the level the runtime uses here)
  CompareWithScalar(SelectOutputStageS8(eq::DetectIsa()), "selected", 214);
}

EQ_TEST(zero_offset_quantize_dequantize_requantize) {
  eqtest::Rng r(221);
  const size_t n = 301;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; i++) x[i] = static_cast<float>(r.Uniform(-4000, 4000)) / 16.0f;  // many .5 ties at scale 2
  x[0] = std::numeric_limits<float>::quiet_NaN();
  x[1] = std::numeric_limits<float>::infinity();
  x[2] = -std::numeric_limits<float>::infinity();
  std::vector<int8_t> q(n), plain(n), v(n);
  for (int32_t qmax : {127, 63})
    for (int32_t z : {0, 63, 127}) {
      const float scale = 2.0f;
      QuantizeF32ToS8Offset(x.data(), n, scale, qmax, z, q.data());
      size_t wrong = 0;
      for (size_t i = 0; i < n; i++) wrong += q[i] != Formula(x[i] * scale, -qmax, qmax, z);
      EQ_EXPECT(wrong == 0) << "quantize qmax=" << qmax << " z=" << z << ": " << wrong << " wrong";
      EQ_EXPECT(q[0] == 0) << "NaN stores 0, z=" << z;
      if (z == 0) {
        QuantizeF32ToS8(x.data(), n, scale, qmax, plain.data());
        EQ_EXPECT(q == plain) << "z=0 is the plain quantize";
      }
    }
  for (size_t i = 0; i < n; i++) v[i] = static_cast<int8_t>(r.Uniform(-127, 127));
  for (int32_t zi : {0, 63, 127}) {
    const float scale = 3.7f;
    const float m = static_cast<float>(1.0 / static_cast<double>(scale));
    std::vector<float> y(n), plain_y(n);
    DequantizeS8ToF32Offset(v.data(), n, scale, zi, y.data());
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) wrong += y[i] != static_cast<float>(static_cast<double>(v[i] + zi) * static_cast<double>(m));
    EQ_EXPECT(wrong == 0) << "dequantize z=" << zi << ": " << wrong << " wrong";
    if (zi == 0) {
      DequantizeS8ToF32(v.data(), n, scale, plain_y.data());
      EQ_EXPECT(y == plain_y) << "z=0 is the plain dequantize";
    }
    for (int32_t zo : {0, 63, 127})
      for (float mult : {0.5f, 0.75f, 1.0f, 1.3f})
        for (int32_t qmax : {127, 63}) {
          RequantizeS8Offset(v.data(), n, mult, qmax, zi, zo, q.data());
          wrong = 0;
          for (size_t i = 0; i < n; i++) wrong += q[i] != Formula(static_cast<float>(v[i] + zi) * mult, -qmax, qmax, zo);
          EQ_EXPECT(wrong == 0) << "requantize zi=" << zi << " zo=" << zo << " M=" << mult << ": " << wrong << " wrong";
          if (zi == 0 && zo == 0) {
            RequantizeS8(v.data(), n, mult, qmax, plain.data());
            EQ_EXPECT(q == plain) << "z=0 is the plain requantize";
          }
        }
  }
}

EQ_TEST(zero_offset_concat) {
  // outer 2; inputs: (M 1, z = zo): copied; (M 1, z 0): requantized to the offset; (M 0.75, z 63);
  // (M 1, z = zo) already in place (an arena view): left alone
  eqtest::Rng r(231);
  const int32_t zo = 127, qmax = 127;
  const size_t inner[4] = {5, 7, 9, 3}, outer = 2, total = 24;
  const float mults[4] = {1.0f, 1.0f, 0.75f, 1.0f};
  const int32_t zeros[4] = {zo, 0, 63, zo};
  std::vector<std::vector<int8_t>> in(4);
  for (size_t k = 0; k < 4; k++) {
    in[k].resize(inner[k] * outer);
    for (auto& v : in[k]) v = static_cast<int8_t>(r.Uniform(-127, 127));
  }
  std::vector<int8_t> y(total * outer, 0x5a);
  const int8_t* xs[4] = {in[0].data(), in[1].data(), in[2].data(), in[3].data()};
  ConcatS8(xs, inner, mults, zeros, 4, outer, qmax, zo, y.data());
  size_t o = 0, wrong = 0;
  for (size_t b = 0; b < outer; b++)
    for (size_t k = 0; k < 4; k++)
      for (size_t j = 0; j < inner[k]; j++, o++) {
        const int8_t v = in[k][b * inner[k] + j];
        const int8_t want = mults[k] == 1.0f && zeros[k] == zo ? v : Formula(static_cast<float>(v + zeros[k]) * mults[k], -qmax, qmax, zo);
        wrong += y[o] != want;
      }
  EQ_EXPECT(wrong == 0) << wrong << " wrong";
  // a view: the input already at its place in the output is not touched (nor copied over itself)
  std::vector<int8_t> out(8, 0);
  for (size_t i = 0; i < 8; i++) out[i] = static_cast<int8_t>(i * 3 - 10);
  const std::vector<int8_t> before = out;
  const int8_t* vx[2] = {out.data(), out.data() + 4};
  const size_t vin[2] = {4, 4};
  const float vm[2] = {1.0f, 1.0f};
  const int32_t vz[2] = {63, 63};
  ConcatS8(vx, vin, vm, vz, 2, 1, qmax, 63, out.data());
  EQ_EXPECT(out == before);
  // zeros null: the plain concat (multiplier 1 copies)
  std::vector<int8_t> y0(total * outer), y1(total * outer);
  const int32_t none[4] = {0, 0, 0, 0};
  ConcatS8(xs, inner, mults, nullptr, 4, outer, qmax, 0, y0.data());
  ConcatS8(xs, inner, mults, none, 4, outer, qmax, 0, y1.data());
  EQ_EXPECT(y0 == y1);
}

namespace {

// average pool by brute force over the window: sum of (v + zi) over the taps inside the input,
// divisor = those taps, or with count_include_pad the taps inside input + explicit padding
std::vector<int8_t> AvgPoolRef(const std::vector<int8_t>& x, const eq::PoolGeom& g, float in_scale, float out_scale, int32_t qmax, int32_t zi, int32_t zo) {
  std::vector<int8_t> y(static_cast<size_t>(g.N) * g.C * g.OH * g.OW);
  for (size_t nc = 0; nc < static_cast<size_t>(g.N) * g.C; nc++)
    for (int64_t oy = 0; oy < g.OH; oy++)
      for (int64_t ox = 0; ox < g.OW; ox++) {
        int64_t sum = 0, inside = 0, padded = 0;
        for (int64_t ky = 0; ky < g.kh; ky++)
          for (int64_t kx = 0; kx < g.kw; kx++) {
            const int64_t iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
            const bool in_y = iy >= 0 && iy < g.H, in_x = ix >= 0 && ix < g.W;
            padded += iy >= -static_cast<int64_t>(g.pt) && iy < g.H + g.pb && ix >= -static_cast<int64_t>(g.pl) && ix < g.W + g.pr;
            if (!in_y || !in_x) continue;
            sum += x[(nc * g.H + iy) * g.W + ix] + zi;
            inside++;
          }
        const int64_t count = g.count_include_pad ? padded : inside;
        int8_t q = 0;
        if (count > 0) {
          const float m = static_cast<float>(static_cast<double>(out_scale) / (static_cast<double>(in_scale) * static_cast<double>(count)));
          q = Formula(static_cast<float>(sum) * m, -qmax, qmax, zo);
        }
        y[(nc * g.OH + oy) * g.OW + ox] = q;
      }
  return y;
}

}  // namespace

EQ_TEST(zero_offset_avgpool) {
  eqtest::Rng r(241);
  for (int it = 0; it < 120; it++) {
    eq::PoolGeom g;
    g.N = 1;
    g.C = r.Uniform(1, 3);
    g.H = r.Uniform(1, 9);
    g.W = r.Uniform(1, 9);
    g.kh = r.Uniform(1, 4);
    g.kw = r.Uniform(1, 4);
    g.sh = r.Uniform(1, 3);
    g.sw = r.Uniform(1, 3);
    g.pt = r.Uniform(0, g.kh - 1);
    g.pb = r.Uniform(0, g.kh - 1);
    g.pl = r.Uniform(0, g.kw - 1);
    g.pr = r.Uniform(0, g.kw - 1);
    g.count_include_pad = r.Uniform(0, 1) == 1;
    if (g.H + g.pt + g.pb < g.kh || g.W + g.pl + g.pr < g.kw) continue;
    g.OH = (g.H + g.pt + g.pb - g.kh) / g.sh + 1;
    g.OW = (g.W + g.pl + g.pr - g.kw) / g.sw + 1;
    std::vector<int8_t> x(static_cast<size_t>(g.C) * g.H * g.W);
    for (auto& v : x) v = static_cast<int8_t>(r.Uniform(-127, 127));
    const int32_t zi = it % 3 == 0 ? 0 : (it % 3 == 1 ? 63 : 127), zo = it % 2 ? 127 : 0;
    const float in_scale = 2.0f, out_scale = 1.5f;
    std::vector<int8_t> got(static_cast<size_t>(g.C) * g.OH * g.OW);
    AvgPoolS8(x.data(), g, in_scale, out_scale, 127, zi, zo, got.data());
    EQ_EXPECT(got == AvgPoolRef(x, g, in_scale, out_scale, 127, zi, zo)) << "it=" << it << " zi=" << zi << " zo=" << zo;
  }
  // global: the per-plane sum path (scalar and this host's sum kernel) and the generic one
  eq::PoolGeom g;
  g.N = 1, g.C = 5, g.H = 7, g.W = 9, g.kh = 7, g.kw = 9, g.OH = 1, g.OW = 1;
  EQ_EXPECT(IsGlobalPool(g));
  std::vector<int8_t> x(5 * 7 * 9);
  for (auto& v : x) v = static_cast<int8_t>(r.Uniform(-127, 127));
  for (int32_t zi : {0, 63, 127})
    for (int32_t zo : {0, 63, 127}) {
      std::vector<int8_t> a(5), b(5), c(5);
      GlobalAvgPoolS8(x.data(), g, 3.0f, 2.5f, 127, zi, zo, a.data(), SumS8);
      GlobalAvgPoolS8(x.data(), g, 3.0f, 2.5f, 127, zi, zo, b.data(), SelectSumS8(eq::DetectIsa()));
      AvgPoolS8(x.data(), g, 3.0f, 2.5f, 127, zi, zo, c.data());
      const std::vector<int8_t> want = AvgPoolRef(x, g, 3.0f, 2.5f, 127, zi, zo);
      EQ_EXPECT(a == want && b == want && c == want) << "global zi=" << zi << " zo=" << zo;
    }
}

EQ_TEST(zero_offset_pad_fill) {
  // [2,3,4] padded by begin {0,1,2}, end {1,0,1} → [3,4,7]; padding holds the fill (-z)
  const int64_t dims[3] = {2, 3, 4}, pads[6] = {0, 1, 2, 1, 0, 1}, out_dims[3] = {3, 4, 7};
  std::vector<int8_t> x(24);
  for (size_t i = 0; i < 24; i++) x[i] = static_cast<int8_t>(i + 1);
  for (int8_t fill : {int8_t{0}, int8_t{-63}, int8_t{-127}}) {
    std::vector<int8_t> y(3 * 4 * 7, 0x5a);
    PadS8(x.data(), dims, 3, pads, out_dims, fill, y.data());
    size_t wrong = 0;
    for (int64_t a = 0; a < 3; a++)
      for (int64_t b = 0; b < 4; b++)
        for (int64_t c = 0; c < 7; c++) {
          const int64_t ia = a - pads[0], ib = b - pads[1], ic = c - pads[2];
          const bool inside = ia >= 0 && ia < 2 && ib >= 0 && ib < 3 && ic >= 0 && ic < 4;
          wrong += y[(a * 4 + b) * 7 + c] != (inside ? x[(ia * 3 + ib) * 4 + ic] : fill);
        }
    EQ_EXPECT(wrong == 0) << "fill " << int(fill) << ": " << wrong << " wrong";
  }
}
