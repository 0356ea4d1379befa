// wino-bench: per-layer timing of integer Winograd F(2,3) and F(4,3) against the direct
// convolution (im2col + the best IGemmKernel for the ISA, packed in the runtime's column
// blocks) on the 3x3 stride-1 layers of ResNet-18 and SqueezeNet 1.1, at INT8 and INT7.
// Every timed result is also compared with the direct sums (column "exact").
//
//   wino-bench [--isa scalar|avx2|avx512vnni|neon|dotprod] [--threads T] [--runs R] [--warmup W]
//              [--only LAYER-NAME-SUBSTRING]
//
// Times are medians over R runs after W warm-up runs (milliseconds, one image).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "format/model.h"
#include "kernels/igemm.h"
#include "kernels/isa.h"
#include "kernels/kernels.h"
#include "kernels/winograd.h"

using namespace eq;
using namespace eq::kernels;

namespace {

struct Layer {
  const char* name;
  uint32_t hw, cin, cout;
};

const Layer kLayers[] = {
    {"resnet18 layer1 3x3", 56, 64, 64},     {"resnet18 layer2 3x3", 28, 128, 128}, {"resnet18 layer3 3x3", 14, 256, 256},
    {"resnet18 layer4 3x3", 7, 512, 512},    {"squeezenet fire2/3 expand3x3", 55, 16, 64}, {"squeezenet fire4/5 expand3x3", 27, 32, 128},
    {"squeezenet fire6/7 expand3x3", 13, 48, 192}, {"squeezenet fire8/9 expand3x3", 13, 64, 256},
};

LinearGeom Geom(const Layer& l) {
  LinearGeom g;
  g.cin = l.cin;
  g.cout = l.cout;
  g.kh = g.kw = 3;
  g.padT = g.padL = 1;
  g.inH = g.inW = g.outH = g.outW = l.hw;
  g.K = 9 * l.cin;
  g.P = l.hw * l.hw;
  return g;
}

// Median time of each of fns, measured interleaved (run i of every method back to back) so a
// change of machine load hits all methods alike.
// Returns {median_0, .., median_n-1, min_0, .., min_n-1}.
std::vector<double> MedianMs(int warmup, int runs, const std::vector<std::function<void()>>& fns) {
  for (int i = 0; i < warmup; i++)
    for (const auto& fn : fns) fn();
  std::vector<std::vector<double>> t(fns.size());
  for (int i = 0; i < runs; i++)
    for (size_t f = 0; f < fns.size(); f++) {
      const auto a = std::chrono::steady_clock::now();
      fns[f]();
      t[f].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
  std::vector<double> r;
  for (auto& v : t) std::sort(v.begin(), v.end());
  for (auto& v : t) r.push_back(v[v.size() / 2]);
  for (auto& v : t) r.push_back(v[0]);
  return r;
}

// The runtime's direct path (runtime/linear_layer.cc): im2col, then per column block pack B
// and run the micro-kernel.
class Direct {
 public:
  Direct(const LinearGeom& g, const std::vector<int8_t>& w, const IGemmKernel* k, int threads) : g_(g), k_(k) {
    pa_.resize(k->packed_a_bytes(g.cout, g.K) + 64);
    k->pack_a(w.data(), g.cout, g.K, pa_.data());
    cols_.resize(static_cast<size_t>(g.K) * g.P);
    nb_ = 256;
    if (g.cout >= 256) nb_ = 128;
    while (nb_ > 32 && (g.P + nb_ - 1) / nb_ < static_cast<size_t>(threads) * 3) nb_ /= 2;
    nb_ = std::min<size_t>(nb_, g.P);
    block_bytes_ = (k->packed_b_bytes(g.K, nb_) + 63) & ~static_cast<size_t>(63);
    mem_.resize(static_cast<size_t>(threads) * (block_bytes_ + 64));
    tmp_.resize(static_cast<size_t>(threads) * g.cout * nb_);
  }
  void Run(const int8_t* x, int32_t* acc, ThreadPool& pool) {
    Im2ColS8(x, g_, 0, cols_.data());
    RunGemm(acc, pool);
  }
  // the GEMM part alone (B packing + micro-kernel) on the columns of the last Run
  void RunGemm(int32_t* acc, ThreadPool& pool) {
    const size_t blocks = (g_.P + nb_ - 1) / nb_;
    pool.ParallelFor(blocks, [&](size_t b, int thread) {
      const size_t n0 = b * nb_, nc = std::min(nb_, g_.P - n0);
      uint8_t* mem = mem_.data() + thread * (block_bytes_ + 64);
      mem += (64 - reinterpret_cast<uintptr_t>(mem) % 64) % 64;
      int32_t* C = tmp_.data() + static_cast<size_t>(thread) * g_.cout * nb_;
      k_->pack_b(cols_.data() + n0, g_.P, g_.K, nc, mem);
      k_->run(pa_.data(), mem, g_.cout, nc, g_.K, C, nc);
      for (size_t c = 0; c < g_.cout; c++) std::memcpy(acc + c * g_.P + n0, C + c * nc, nc * sizeof(int32_t));
    });
  }

 private:
  LinearGeom g_;
  const IGemmKernel* k_;
  std::vector<uint8_t> pa_, mem_;
  std::vector<int8_t> cols_;
  std::vector<int32_t> tmp_;
  size_t nb_ = 0, block_bytes_ = 0;
};

int Usage(const char* msg) {
  std::fprintf(stderr, "wino-bench: error: %s\nusage: wino-bench [--isa LEVEL] [--threads T] [--runs R] [--warmup W] [--only NAME]\n", msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string isa_name, only;
  int threads = 1, runs = 20, warmup = 3;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return Usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--isa") isa_name = v;
    else if (a == "--threads") threads = std::atoi(v);
    else if (a == "--runs") runs = std::atoi(v);
    else if (a == "--warmup") warmup = std::atoi(v);
    else if (a == "--only") only = v;
    else return Usage(("unknown option " + a).c_str());
  }
  if (threads < 1 || runs < 1 || warmup < 0) return Usage("--threads and --runs must be >= 1, --warmup >= 0");
  Isa isa;
  const Status st = ResolveIsa(isa_name, &isa);
  if (!st.ok()) return Usage(st.message().c_str());
  ThreadPool pool(threads);
  std::printf("wino-bench: isa %s, %d thread(s), median of %d runs after %d warm-up, times in ms per image\n\n", IsaName(isa), threads, runs, warmup);
  std::printf("direct = im2col + B packing + GEMM (the runtime's path); GEMM-only leaves im2col out. Speed-ups are direct/Winograd on medians;\n"
              "the last two columns are F(2,3) / F(4,3) against GEMM-only (medians) and against direct on the fastest runs.\n\n");
  std::printf("| layer | HxW | cin→cout | bits | direct kernel | direct ms | GEMM-only ms | F(2,3) ms | F(2,3) × | F(4,3) ms | F(4,3) × | × vs GEMM-only | × on min times | exact |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  uint32_t seed = 12345;
  auto rnd = [&seed](int32_t q) {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<int8_t>(static_cast<int32_t>((seed >> 8) % static_cast<uint32_t>(2 * q + 1)) - q);
  };
  for (const Layer& l : kLayers) {
    if (!only.empty() && std::string(l.name).find(only) == std::string::npos) continue;
    for (int32_t qmax : {127, 63}) {
      const LinearGeom g = Geom(l);
      std::vector<int8_t> x(static_cast<size_t>(g.cin) * g.inH * g.inW), w(static_cast<size_t>(g.cout) * g.K);
      for (auto& v : x) v = rnd(qmax);
      for (auto& v : w) v = rnd(qmax);
      const IGemmKernel* k = SelectIGemm(isa, qmax);
      Direct direct(g, w, k, threads);
      std::vector<int32_t> want(static_cast<size_t>(g.cout) * g.P);
      std::vector<int32_t> got23(want.size()), got43(want.size());
      std::unique_ptr<WinogradConv> w23 = MakeWinogradConv(g, w.data(), qmax, 2, isa), w43 = MakeWinogradConv(g, w.data(), qmax, 4, isa);
      if (!w23 || !w43) return Usage("Winograd refused a benchmark layer");
      AlignedBuffer s23(w23->scratch_bytes(threads)), s43(w43->scratch_bytes(threads));
      std::vector<int32_t> gemm_only(want.size());
      direct.Run(x.data(), want.data(), pool);
      const std::vector<double> t = MedianMs(warmup, runs,
                                             {[&] { direct.Run(x.data(), want.data(), pool); },
                                              [&] { direct.RunGemm(gemm_only.data(), pool); },
                                              [&] { w23->Run(x.data(), got23.data(), s23.data(), pool); },
                                              [&] { w43->Run(x.data(), got43.data(), s43.data(), pool); }});
      const double t_direct = t[0], t_gemm = t[1], t_wino[2] = {t[2], t[3]};
      const double min_direct = t[4], min_wino[2] = {t[6], t[7]};
      const bool exact = got23 == want && got43 == want;
      std::printf("| %s | %ux%u | %u→%u | INT%d | %s | %.3f | %.3f | %.3f | %.2f× | %.3f | %.2f× | %.2f× / %.2f× | %.2f× / %.2f× | %s |\n", l.name, l.hw,
                  l.hw, l.cin, l.cout, qmax == 127 ? 8 : 7, k->name, t_direct, t_gemm, t_wino[0], t_direct / t_wino[0], t_wino[1], t_direct / t_wino[1],
                  t_gemm / t_wino[0], t_gemm / t_wino[1], min_direct / min_wino[0], min_direct / min_wino[1], exact ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  return 0;
}
