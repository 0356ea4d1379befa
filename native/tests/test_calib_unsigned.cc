// The EQ search kernels (native/src/calib) on the unsigned grid against a plain reference that
// works on u = clip(rne(f32(x * Se)), 0, 2q) itself (Se = 2*S, padding u = 0, exact int64
// sums), on every ISA level this machine runs (so the NEON / dotprod GEMM and depthwise kernels
// are covered under qemu too): the kernels store u - q and add q * sum(w), which must give
// the same int32 sums, cosines, chosen scales and outputs bit for bit. The TypeScript side of
// the contract is test/integration/calib-native-bitexact.test.ts.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "calib/eq_search.h"
#include "eqtest.h"
#include "kernels/isa.h"

using eq::LinearGeom;

namespace {

LinearGeom Conv(uint32_t cin, uint32_t cout, uint32_t group, uint32_t k, uint32_t s, uint32_t pad, uint32_t inH, uint32_t inW) {
  LinearGeom g;
  g.cin = cin;
  g.cout = cout;
  g.group = group;
  g.kh = g.kw = k;
  g.sh = g.sw = s;
  g.padT = g.padL = pad;
  g.inH = inH;
  g.inW = inW;
  g.outH = (inH + 2 * pad - k) / s + 1;
  g.outW = (inW + 2 * pad - k) / s + 1;
  g.K = cin / group * k * k;
  g.P = g.outH * g.outW;
  return g;
}

LinearGeom Gemm(uint32_t m, uint32_t k, uint32_t n) {
  LinearGeom g;
  g.conv = false;
  g.cin = k;
  g.cout = n;
  g.inH = g.outH = m;
  g.inW = g.outW = 1;
  g.K = k;
  g.P = m;
  return g;
}

size_t InLen(const LinearGeom& g) { return g.conv ? static_cast<size_t>(g.cin) * g.inH * g.inW : static_cast<size_t>(g.P) * g.K; }

float Unit(eqtest::Rng& r) { return static_cast<float>(r.Next() >> 8) / 16777216.0f; }

struct Case {
  LinearGeom g;
  std::vector<std::vector<float>> xs;  // per image, non-negative, exact zeros, some clip
  std::vector<float> w, bias;
  std::vector<int32_t> pos;             // sampled positions (borders included)
};

Case MakeCase(const LinearGeom& g, uint32_t seed, size_t images) {
  eqtest::Rng r(seed);
  Case c;
  c.g = g;
  for (size_t i = 0; i < images; i++) {
    std::vector<float> x(InLen(g));
    for (float& v : x) v = Unit(r) < 0.3f ? 0.f : Unit(r) * (Unit(r) < 0.03f ? 12.f : 2.f);
    c.xs.push_back(x);
  }
  c.w.resize(static_cast<size_t>(g.cout) * g.K);
  for (float& v : c.w) v = Unit(r) * 2 - 1;
  c.bias.resize(g.cout);
  for (float& v : c.bias) v = (Unit(r) * 2 - 1) * 0.3f;
  for (uint32_t p = 0; p < g.P; p += 3) c.pos.push_back(static_cast<int32_t>(p));
  return c;
}

// u = clip(rne(f32(x*se)), 0, 2q) of the reference (quantizeInputUnsigned)
double RefU(float x, float se, int32_t q) {
  const double u = std::nearbyint(static_cast<double>(x * se));
  return u > 2 * q ? 2 * q : u < 0 ? 0 : u;
}

// exact sum_k w[k] * u[k] of channel c at position p; padded taps are u = 0
int64_t RefAcc(const LinearGeom& g, const std::vector<float>& x, float se, int32_t q, const int8_t* wc, size_t c, size_t p) {
  int64_t s = 0;
  if (!g.conv) {
    for (size_t k = 0; k < g.K; k++) s += wc[k] * static_cast<int64_t>(RefU(x[p * g.K + k], se, q));
    return s;
  }
  const size_t cpg = g.cin / g.group, grp = c / (g.cout / g.group), oy = p / g.outW, ox = p % g.outW;
  size_t k = 0;
  for (size_t ci = 0; ci < cpg; ci++)
    for (size_t ky = 0; ky < g.kh; ky++)
      for (size_t kx = 0; kx < g.kw; kx++, k++) {
        const int64_t iy = static_cast<int64_t>(oy * g.sh + ky * g.dh) - g.padT, ix = static_cast<int64_t>(ox * g.sw + kx * g.dw) - g.padL;
        if (iy < 0 || ix < 0 || iy >= g.inH || ix >= g.inW) continue;
        s += wc[k] * static_cast<int64_t>(RefU(x[((grp * cpg + ci) * g.inH + iy) * g.inW + ix], se, q));
      }
  return s;
}

int8_t QuantW(float w, float s, int32_t q) {
  double v = std::nearbyint(static_cast<double>(w * s));
  v = v > q ? q : v < -q ? -q : v;
  return static_cast<int8_t>(v);
}

double Cos(double ab, double aa, double bb) { return aa == 0 && bb == 0 ? 1 : aa == 0 || bb == 0 ? 0 : ab / std::sqrt(aa * bb); }

std::vector<eq::Isa> Isas() {
  std::vector<eq::Isa> out;
  const std::string all = eq::AvailableIsas();
  size_t b = 0;
  while (b <= all.size()) {
    const size_t e = all.find(',', b) == std::string::npos ? all.size() : all.find(',', b);
    eq::Isa isa;
    if (eq::ParseIsa(all.substr(b, e - b), &isa)) out.push_back(isa);
    b = e + 1;
  }
  return out;
}

std::vector<std::pair<const char*, LinearGeom>> Geoms() {
  return {
      {"3x3 conv pad 1", Conv(5, 12, 1, 3, 1, 1, 9, 8)},
      {"grouped conv pad 1", Conv(6, 18, 2, 3, 2, 1, 9, 9)},
      {"depthwise 3x3 s1 pad 1", Conv(16, 16, 16, 3, 1, 1, 11, 13)},
      {"depthwise 3x3 s2 pad 1", Conv(8, 8, 8, 3, 2, 1, 9, 9)},
      {"gemm", Gemm(5, 24, 10)},
  };
}

void CheckForward(const char* name, const Case& c, int32_t q, eq::Isa isa) {
  const LinearGeom& g = c.g;
  const float S = static_cast<float>(q) / 3.1f, se = 2 * S;
  std::vector<double> ws(g.cout);
  std::vector<int8_t> wq(c.w.size());
  for (size_t ch = 0; ch < g.cout; ch++) {
    ws[ch] = q / (1.0 + 0.05 * static_cast<double>(ch));
    for (size_t k = 0; k < g.K; k++) wq[ch * g.K + k] = QuantW(c.w[ch * g.K + k], static_cast<float>(ws[ch]), q);
  }
  std::vector<std::vector<float>> outs(c.xs.size(), std::vector<float>(static_cast<size_t>(g.cout) * g.P));
  std::vector<const float*> xp;
  std::vector<float*> op;
  for (size_t i = 0; i < c.xs.size(); i++) {
    xp.push_back(c.xs[i].data());
    op.push_back(outs[i].data());
  }
  eq::calib::ForwardArgs a;
  a.g = g;
  a.images = c.xs.size();
  a.xs = xp.data();
  a.a_scale = S;
  a.unsigned_input = true;
  a.qmax = q;
  a.wq = wq.data();
  a.w_scales = ws.data();
  a.bias = c.bias.data();
  a.outs = op.data();
  a.isa = isa;
  a.threads = 2;
  EQ_EXPECT(eq::calib::LayerForward(a).ok()) << name;
  size_t bad = 0;
  for (size_t i = 0; i < c.xs.size(); i++)
    for (size_t ch = 0; ch < g.cout; ch++) {
      const double inv = 1 / (static_cast<double>(se) * static_cast<double>(static_cast<float>(ws[ch])));
      for (size_t p = 0; p < g.P; p++) {
        const float want = static_cast<float>(static_cast<double>(RefAcc(g, c.xs[i], se, q, wq.data() + ch * g.K, ch, p)) * inv + c.bias[ch]);
        const float got = g.conv ? outs[i][ch * g.P + p] : outs[i][p * g.cout + ch];
        bad += want != got;
      }
    }
  EQ_EXPECT(bad == 0) << name << " qmax " << q << " isa " << eq::IsaName(isa) << ": " << bad << " outputs differ";
}

// sampled reference outputs O: the float layer plus noise (what the cosines compare against)
std::vector<std::vector<float>> RefO(const Case& c, uint32_t seed) {
  eqtest::Rng r(seed);
  std::vector<std::vector<float>> O;
  for (size_t i = 0; i < c.xs.size(); i++) {
    std::vector<float> o(c.g.cout * c.pos.size());
    for (float& v : o) v = Unit(r) * 4 - 1;
    O.push_back(o);
  }
  return O;
}

void CheckSearch(const char* name, const Case& c, int32_t q, eq::Isa isa) {
  const LinearGeom& g = c.g;
  const size_t np = c.pos.size(), N = c.xs.size();
  const float S = static_cast<float>(q) / 3.1f, se = 2 * S;
  const std::vector<std::vector<float>> O = RefO(c, 99);
  std::vector<const float*> xp, op;
  for (size_t i = 0; i < N; i++) {
    xp.push_back(c.xs[i].data());
    op.push_back(O[i].data());
  }
  // ---- weight search: chosen scales and their cosines ----
  std::vector<double> init(g.cout), grid, scales(g.cout), best(g.cout);
  for (size_t ch = 0; ch < g.cout; ch++) {
    float m = 0;
    for (size_t k = 0; k < g.K; k++) m = std::max(m, std::fabs(c.w[ch * g.K + k]));
    init[ch] = q / static_cast<double>(m);
  }
  for (int k = 0; k < 9; k++) grid.push_back(0.5 + k * 0.2);
  eq::calib::WeightSearchArgs w;
  w.g = g;
  w.positions = c.pos.data();
  w.np = np;
  w.images = N;
  w.xs = xp.data();
  w.a_scale = S;
  w.unsigned_input = true;
  w.qmax = q;
  w.w_rows = c.w.data();
  w.bias = c.bias.data();
  w.init = init.data();
  w.current = init.data();
  w.grid = grid.data();
  w.ngrid = grid.size();
  w.O = op.data();
  w.isa = isa;
  w.threads = 2;
  w.out_scales = scales.data();
  w.out_best = best.data();
  EQ_EXPECT(eq::calib::WeightSearch(w).ok()) << name;
  size_t bad = 0;
  std::vector<int8_t> wc(g.K);
  for (size_t ch = 0; ch < g.cout; ch++) {
    double aa = 0;
    for (size_t i = 0; i < N; i++) {
      double s = 0;
      for (size_t j = 0; j < np; j++) s += static_cast<double>(O[i][ch * np + j]) * O[i][ch * np + j];
      aa += s;
    }
    double bs = -INFINITY, bscale = init[ch];
    for (double f : grid) {
      const float s = static_cast<float>(init[ch] * f);
      for (size_t k = 0; k < g.K; k++) wc[k] = QuantW(c.w[ch * g.K + k], s, q);
      const double ac = 1 / (static_cast<double>(se) * static_cast<double>(s));
      double ab = 0, bb = 0;
      for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < np; j++) {
          const double v = static_cast<double>(RefAcc(g, c.xs[i], se, q, wc.data(), ch, c.pos[j])) * ac + c.bias[ch];
          ab += O[i][ch * np + j] * v;
          bb += v * v;
        }
      const double score = Cos(ab, aa, bb);
      if (score > bs) {
        bs = score;
        bscale = s;
      }
    }
    bad += scales[ch] != bscale || best[ch] != bs;
  }
  EQ_EXPECT(bad == 0) << name << " qmax " << q << " isa " << eq::IsaName(isa) << ": weight search differs on " << bad << " channels";

  // ---- activation candidates: per scale and image, the whole-output cosine ----
  std::vector<int8_t> wq(c.w.size());
  std::vector<double> ws(g.cout);
  for (size_t ch = 0; ch < g.cout; ch++) {
    ws[ch] = scales[ch];
    for (size_t k = 0; k < g.K; k++) wq[ch * g.K + k] = QuantW(c.w[ch * g.K + k], static_cast<float>(ws[ch]), q);
  }
  std::vector<double> cand;
  for (int k = 0; k < 6; k++) cand.push_back(static_cast<float>(S * (0.6 + 0.17 * k)));
  eq::calib::ObjectiveArgs o;
  eq::calib::ObjectiveLayer ly;
  ly.g = g;
  ly.positions = c.pos.data();
  ly.np = np;
  ly.wq = wq.data();
  ly.w_scales = ws.data();
  ly.bias = c.bias.data();
  ly.O = op.data();
  o.layers.push_back(ly);
  o.images = N;
  o.xs = xp.data();
  o.scales = cand.data();
  o.nscales = cand.size();
  o.unsigned_input = true;
  o.qmax = q;
  o.isa = isa;
  o.threads = 2;
  std::vector<double> cos(cand.size() * N);
  o.out_cos = cos.data();
  EQ_EXPECT(eq::calib::GroupObjectiveCosines(o).ok()) << name;
  bad = 0;
  for (size_t t = 0; t < cand.size(); t++) {
    const float st = 2 * static_cast<float>(cand[t]);
    for (size_t i = 0; i < N; i++) {
      double ab = 0, aa = 0, bb = 0;
      for (size_t ch = 0; ch < g.cout; ch++) {
        const double ac = 1 / (static_cast<double>(st) * static_cast<double>(static_cast<float>(ws[ch])));
        for (size_t j = 0; j < np; j++) {
          const double v = static_cast<double>(RefAcc(g, c.xs[i], st, q, wq.data() + ch * g.K, ch, c.pos[j])) * ac + c.bias[ch];
          const double ov = O[i][ch * np + j];
          ab += ov * v;
          aa += ov * ov;
          bb += v * v;
        }
      }
      bad += cos[t * N + i] != Cos(ab, aa, bb);
    }
  }
  EQ_EXPECT(bad == 0) << name << " qmax " << q << " isa " << eq::IsaName(isa) << ": " << bad << " activation cosines differ";
}

}  // namespace

EQ_TEST(calib_unsigned_layer_forward_matches_reference) {
  uint32_t seed = 1;
  for (const auto& [name, g] : Geoms())
    for (int32_t q : {127, 63}) {
      const Case c = MakeCase(g, seed++, 2);
      for (eq::Isa isa : Isas()) CheckForward(name, c, q, isa);
    }
}

EQ_TEST(calib_unsigned_search_matches_reference) {
  uint32_t seed = 101;
  for (const auto& [name, g] : Geoms())
    for (int32_t q : {127, 63}) {
      const Case c = MakeCase(g, seed++, 2);
      for (eq::Isa isa : Isas()) CheckSearch(name, c, q, isa);
    }
}
