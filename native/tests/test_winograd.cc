// Integer Winograd F(2,3) and F(4,3) against the direct convolution (im2col + the scalar
// int8 GEMM, the path the runtime uses otherwise): bit-exact on every ISA this CPU runs, at
// INT8 and INT7, 1 and 2 threads, over odd sizes, tiny inputs, symmetric and asymmetric
// padding, channel counts that are not multiples of the SIMD widths, the ±qmax extremes and
// channel counts large enough to need several exactly-divided chunks.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "eqtest.h"
#include "kernels/kernels.h"
#include "kernels/winograd.h"

using namespace eq;
using namespace eq::kernels;

namespace {

LinearGeom Geom(uint32_t cin, uint32_t cout, uint32_t H, uint32_t W, uint32_t pt, uint32_t pl, uint32_t pb, uint32_t pr) {
  LinearGeom g;
  g.cin = cin;
  g.cout = cout;
  g.kh = g.kw = 3;
  g.padT = pt;
  g.padL = pl;
  g.inH = H;
  g.inW = W;
  g.outH = H + pt + pb - 2;
  g.outW = W + pl + pr - 2;
  g.K = 9 * cin;
  g.P = g.outH * g.outW;
  return g;
}

std::vector<int32_t> Direct(const LinearGeom& g, const std::vector<int8_t>& x, const std::vector<int8_t>& w) {
  std::vector<int8_t> cols(static_cast<size_t>(g.K) * g.P);
  Im2ColS8(x.data(), g, 0, cols.data());
  std::vector<int32_t> acc(static_cast<size_t>(g.cout) * g.P);
  IGemmS8S8S32(g.cout, g.P, g.K, w.data(), g.K, cols.data(), g.P, acc.data(), g.P);
  return acc;
}

std::vector<Isa> Isas() {
  std::vector<Isa> r;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeon, Isa::kDotprod})
    if (i == Isa::kScalar || IsaAvailable(i)) r.push_back(i);
  return r;
}

enum class Fill { kRandom, kExtreme, kAllMax, kAllMin };

void Fill8(std::vector<int8_t>& v, eqtest::Rng& r, int32_t lo, int32_t hi, Fill f) {
  for (auto& e : v) {
    switch (f) {
      case Fill::kRandom: e = static_cast<int8_t>(r.Uniform(lo, hi)); break;
      case Fill::kExtreme: e = static_cast<int8_t>(r.Uniform(0, 1) ? hi : lo); break;
      case Fill::kAllMax: e = static_cast<int8_t>(hi); break;
      case Fill::kAllMin: e = static_cast<int8_t>(lo); break;
    }
  }
}

// How Run splits the work, forced through the environment (read when a layer is made).
struct SplitMode {
  const char* name;
  const char* rows;     // EQ_WINO_ROWS ("" = unset)
  const char* priv;     // EQ_WINO_PRIVATE
};
constexpr SplitMode kModes[] = {{"auto", "", ""}, {"row tasks", "1", "0"}, {"private tiles", "0", "1"}, {"channel split", "0", "0"}};

void SetEnv(const char* name, const char* v) {
  if (*v) setenv(name, v, 1);
  else unsetenv(name);
}

// Runs every ISA x tile x split mode x thread count on one layer and compares with the direct
// sums; where Run reports row tasks, rows_done must have covered every output row and channel once.
void CheckLayer(const LinearGeom& g, int32_t qmax, eqtest::Rng& r, Fill fx, Fill fw, ThreadPool* pools[2], const std::string& what) {
  std::vector<int8_t> x(static_cast<size_t>(g.cin) * g.inH * g.inW), w(static_cast<size_t>(g.cout) * g.K);
  Fill8(x, r, -qmax, qmax, fx);
  Fill8(w, r, -qmax, qmax, fw);
  const std::vector<int32_t> want = Direct(g, x, w);
  for (const SplitMode& mode : kModes) {
    SetEnv("EQ_WINO_ROWS", mode.rows);
    SetEnv("EQ_WINO_PRIVATE", mode.priv);
    for (Isa isa : Isas()) {
      for (int tile : {2, 4}) {
        std::unique_ptr<WinogradConv> c = MakeWinogradConv(g, w.data(), qmax, tile, isa);
        EQ_EXPECT(c != nullptr) << what << " tile=" << tile << " isa=" << IsaName(isa);
        if (!c) continue;
        EQ_EXPECT(std::string(c->name()).find(tile == 2 ? "wino23" : "wino43") == 0) << c->name();
        for (int p = 0; p < 2; p++) {
          std::vector<uint8_t> scratch(c->scratch_bytes(pools[p]->threads()) + 64);
          uint8_t* s = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
          std::vector<int32_t> got(want.size(), 0x5a5a5a5a);
          std::vector<uint8_t> seen(static_cast<size_t>(g.cout) * g.outH, 0);  // [c][y]: rows_done calls covering it
          std::mutex mu;
          const WinogradConv::RowsDone done = [&](size_t y0, size_t y1, size_t c0, size_t c1) {
            std::lock_guard<std::mutex> lock(mu);
            for (size_t c = c0; c < c1 && c < g.cout; c++)
              for (size_t y = y0; y < y1 && y < g.outH; y++) seen[c * g.outH + y]++;
          };
          const bool in_rows = c->Run(x.data(), got.data(), s, *pools[p], &done);
          const std::string where = what + " " + c->name() + " " + mode.name + " (" + c->split_mode(pools[p]->threads()) + ") threads=" + std::to_string(pools[p]->threads());
          size_t bad = 0, first = 0;
          for (size_t i = 0; i < want.size(); i++)
            if (want[i] != got[i] && bad++ == 0) first = i;
          EQ_EXPECT(bad == 0) << where << ": " << bad << "/" << want.size() << " wrong, first at " << first << " want " << (bad ? want[first] : 0) << " got "
                              << (bad ? got[first] : 0);
          size_t wrong_cover = 0;
          for (uint8_t n : seen) wrong_cover += n != (in_rows ? 1 : 0);
          EQ_EXPECT(wrong_cover == 0) << where << ": " << wrong_cover << " (channel, row) pairs not reported exactly " << (in_rows ? "once" : "never");
        }
      }
    }
  }
  SetEnv("EQ_WINO_ROWS", "");
  SetEnv("EQ_WINO_PRIVATE", "");
}

std::string Describe(const LinearGeom& g, int32_t qmax) {
  return "cin=" + std::to_string(g.cin) + " cout=" + std::to_string(g.cout) + " in=" + std::to_string(g.inH) + "x" + std::to_string(g.inW) +
         " pad(t,l)=" + std::to_string(g.padT) + "," + std::to_string(g.padL) + " out=" + std::to_string(g.outH) + "x" + std::to_string(g.outW) +
         " qmax=" + std::to_string(qmax);
}

}  // namespace

EQ_TEST(winograd_matches_direct_random_shapes) {
  ThreadPool p1(1), p3(3);
  ThreadPool* pools[2] = {&p1, &p3};
  eqtest::Rng r(42);
  const uint32_t sizes[][2] = {{1, 1}, {2, 2}, {1, 5}, {3, 3}, {3, 7}, {5, 5}, {6, 9}, {8, 8}, {9, 13}, {14, 14}, {17, 6}, {23, 11}};
  const uint32_t pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 0}, {2, 0, 1, 1}, {1, 2, 0, 1}};
  const uint32_t chans[] = {1, 2, 3, 7, 16, 17, 33, 40};
  size_t layers = 0;
  for (int32_t qmax : {127, 63}) {
    for (const auto& hw : sizes) {
      for (const auto& pd : pads) {
        const int64_t oh = int64_t{hw[0]} + pd[0] + pd[2] - 2, ow = int64_t{hw[1]} + pd[1] + pd[3] - 2;
        if (oh < 1 || ow < 1) continue;
        const LinearGeom g = Geom(chans[r.Uniform(0, 7)], chans[r.Uniform(0, 7)], hw[0], hw[1], pd[0], pd[1], pd[2], pd[3]);
        const Fill f = r.Uniform(0, 3) == 0 ? Fill::kExtreme : Fill::kRandom;
        CheckLayer(g, qmax, r, f, f, pools, Describe(g, qmax));
        layers++;
      }
    }
  }
  EQ_EXPECT(layers > 100) << layers;
}

// All inputs and weights at +qmax / -qmax / -128 maximise every intermediate; cin = 470 needs
// three F(4,3) chunks at INT8 (224 channels each at most) and two at INT7.
EQ_TEST(winograd_matches_direct_extremes_and_chunks) {
  ThreadPool p1(1), p2(2);
  ThreadPool* pools[2] = {&p1, &p2};
  eqtest::Rng r(7);
  for (int32_t qmax : {127, 63}) {
    for (uint32_t cin : {224u, 225u, 470u}) {
      const LinearGeom g = Geom(cin, 5, 7, 6, 1, 1, 1, 1);
      CheckLayer(g, qmax, r, Fill::kAllMax, Fill::kAllMax, pools, "all +qmax " + Describe(g, qmax));
      CheckLayer(g, qmax, r, Fill::kAllMin, Fill::kAllMax, pools, "x -qmax, w +qmax " + Describe(g, qmax));
      CheckLayer(g, qmax, r, Fill::kExtreme, Fill::kExtreme, pools, "random ±qmax " + Describe(g, qmax));
    }
  }
  // x = -128 (int8's extra value, outside ±qmax) is still exact: the bounds use |x| <= 128
  const LinearGeom g = Geom(470, 3, 5, 5, 1, 1, 1, 1);
  std::vector<int8_t> x(static_cast<size_t>(g.cin) * g.inH * g.inW, -128), w(static_cast<size_t>(g.cout) * g.K, 127);
  const std::vector<int32_t> want = Direct(g, x, w);
  for (int tile : {2, 4}) {
    std::unique_ptr<WinogradConv> c = MakeWinogradConv(g, w.data(), 127, tile, DetectIsa());
    EQ_EXPECT(c != nullptr);
    if (!c) continue;
    std::vector<uint8_t> scratch(c->scratch_bytes(1) + 64);
    uint8_t* s = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    std::vector<int32_t> got(want.size());
    c->Run(x.data(), got.data(), s, p1);
    EQ_EXPECT(got == want) << c->name() << " x=-128";
  }
}

// Realistic layer shapes (ResNet-18 / SqueezeNet channel counts, reduced spatial size).
EQ_TEST(winograd_matches_direct_network_shapes) {
  ThreadPool p1(1), p2(2);
  ThreadPool* pools[2] = {&p1, &p2};
  eqtest::Rng r(11);
  const uint32_t shapes[][3] = {{64, 64, 15}, {128, 128, 9}, {256, 256, 7}, {16, 64, 13}, {48, 192, 6}};
  for (int32_t qmax : {127, 63})
    for (const auto& s : shapes) {
      const LinearGeom g = Geom(s[0], s[1], s[2], s[2], 1, 1, 1, 1);
      CheckLayer(g, qmax, r, Fill::kRandom, Fill::kRandom, pools, Describe(g, qmax));
    }
}

EQ_TEST(winograd_refuses_what_it_cannot_do_exactly) {
  LinearGeom g = Geom(8, 8, 6, 6, 1, 1, 1, 1);
  std::vector<int8_t> w(8 * 8 * 9, 1);
  EQ_EXPECT(WinogradApplicable(g));
  EQ_EXPECT(MakeWinogradConv(g, w.data(), 127, 3, Isa::kScalar) == nullptr) << "tile 3";
  EQ_EXPECT(MakeWinogradConv(g, w.data(), 0, 2, Isa::kScalar) == nullptr) << "qmax 0";
  EQ_EXPECT(MakeWinogradConv(g, w.data(), 128, 2, Isa::kScalar) == nullptr) << "qmax 128";
  w[5] = 64;
  EQ_EXPECT(MakeWinogradConv(g, w.data(), 63, 4, Isa::kScalar) == nullptr) << "|w| > qmax";
  EQ_EXPECT(MakeWinogradConv(g, w.data(), 127, 4, Isa::kScalar) != nullptr);
  LinearGeom s2 = g;
  s2.sh = 2;
  EQ_EXPECT(!WinogradApplicable(s2)) << "stride 2";
  LinearGeom d2 = g;
  d2.dw = 2;
  EQ_EXPECT(!WinogradApplicable(d2)) << "dilation 2";
  LinearGeom gr = g;
  gr.group = 2;
  EQ_EXPECT(!WinogradApplicable(gr)) << "groups";
  LinearGeom k5 = g;
  k5.kh = k5.kw = 5;
  EQ_EXPECT(!WinogradApplicable(k5)) << "5x5";
  LinearGeom fc = g;
  fc.conv = false;
  EQ_EXPECT(!WinogradApplicable(fc)) << "gemm";
  // K = 9·cin beyond the loader's limit: the int32 sums are no longer provably exact
  EQ_EXPECT(!WinogradApplicable(Geom(14564, 1, 3, 3, 0, 0, 0, 0))) << "cin 14564";
  EQ_EXPECT(WinogradApplicable(Geom(14563, 1, 3, 3, 0, 0, 0, 0))) << "cin 14563";
  LinearGeom wrap = g;  // 9·cin wraps around uint32 to a small K
  wrap.cin = 477218589u;
  wrap.K = 5;
  EQ_EXPECT(!WinogradApplicable(wrap)) << "9·cin overflow";
  LinearGeom badp = g;
  badp.P = g.P + 1;
  EQ_EXPECT(!WinogradApplicable(badp)) << "P != outH·outW";
}

// The ways Run splits over threads (winograd_driver.h): row tasks (groups of tile rows, each
// computed and handed to rows_done by one thread) where U is small; the channel split
// otherwise; private tiles (each thread transforms the whole input and takes a share of the
// output channels, also handed to rows_done) when EQ_WINO_PRIVATE=1. All bit-exact on 2 and 3
// threads, and with row tasks every (output row, channel) is reported exactly once, on a pool
// thread, once final — the runtime requantizes exactly those.
EQ_TEST(winograd_row_tasks_private_tiles_and_channel_split_match_direct) {
  ThreadPool p2(2), p3(3);
  eqtest::Rng r(11);
  struct Case {
    LinearGeom g;
    const char* force_private;  // EQ_WINO_PRIVATE while the layer is made ("" = unset)
    std::string mode;           // expected on 2 and 3 threads
  };
  // 40 -> 48 channels on 26 x 26: U = 36 x 48 x 48 x 2 bytes, row tasks; 256 -> 256 on 24 x 24
  // and on 7 x 7 (a deep layer): U = 2-4.7 MB, channel split, or private tiles when forced
  const Case cases[] = {{Geom(40, 48, 26, 26, 1, 1, 1, 1), "", "row tasks"},
                        {Geom(256, 256, 24, 24, 1, 1, 1, 1), "", "channel split"},
                        {Geom(256, 256, 7, 7, 1, 1, 1, 1), "", "channel split"},
                        {Geom(256, 256, 7, 7, 1, 1, 1, 1), "1", "private tiles"}};
  for (const Case& c : cases) {
    std::vector<int8_t> x(static_cast<size_t>(c.g.cin) * c.g.inH * c.g.inW), w(static_cast<size_t>(c.g.cout) * c.g.K);
    Fill8(x, r, -63, 63, Fill::kRandom);
    Fill8(w, r, -63, 63, Fill::kRandom);
    const std::vector<int32_t> want = Direct(c.g, x, w);
    for (int tile : {2, 4}) {
      SetEnv("EQ_WINO_PRIVATE", c.force_private);
      std::unique_ptr<WinogradConv> conv = MakeWinogradConv(c.g, w.data(), 63, tile, DetectIsa());
      SetEnv("EQ_WINO_PRIVATE", "");
      EQ_EXPECT(conv != nullptr);
      if (!conv) continue;
      for (ThreadPool* pool : {&p2, &p3}) {
        const bool expect_rows = c.mode != "channel split";
        std::vector<uint8_t> scratch(conv->scratch_bytes(pool->threads()) + 64);
        uint8_t* s = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
        std::vector<int32_t> got(want.size(), 0x5a5a5a5a);
        std::vector<std::atomic<int>> seen(static_cast<size_t>(c.g.cout) * c.g.outH);  // [channel][row]
        std::atomic<bool> bad_range{false};
        const WinogradConv::RowsDone done = [&](size_t y0, size_t y1, size_t c0, size_t c1) {
          if (y0 >= y1 || y1 > c.g.outH || c0 >= c1 || c1 > c.g.cout) bad_range = true;
          for (size_t co = c0; co < c1 && co < c.g.cout; co++) {
            for (size_t y = y0; y < y1 && y < c.g.outH; y++) seen[co * c.g.outH + y]++;
            // the task's rows of its channels are final when it is reported
            for (size_t p = y0 * c.g.outW; p < y1 * c.g.outW && p < c.g.P; p++)
              if (got[co * c.g.P + p] != want[co * c.g.P + p]) bad_range = true;
          }
        };
        const bool in_rows = conv->Run(x.data(), got.data(), s, *pool, &done);
        const std::string what = Describe(c.g, 63) + " " + conv->name() + " threads=" + std::to_string(pool->threads());
        EQ_EXPECT(in_rows == expect_rows) << what << ": row tasks " << in_rows;
        EQ_EXPECT(conv->split_mode(pool->threads()) == c.mode) << what << ": split " << conv->split_mode(pool->threads()) << ", expected " << c.mode;
        EQ_EXPECT(got == want) << what;
        EQ_EXPECT(!bad_range) << what << ": a task reported rows or channels out of range or not yet final";
        for (size_t i = 0; i < seen.size(); i++)
          EQ_EXPECT(seen[i] == (in_rows ? 1 : 0)) << what << " channel " << i / c.g.outH << " row " << i % c.g.outH << " reported " << seen[i] << " times";
      }
    }
  }
}
