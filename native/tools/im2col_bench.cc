// Developer tool: the im2col variants of this CPU on the column blocks real layers build, timed
// interleaved (round by round, rotating order), so machine load hits every variant alike.
//
//   native/build/host/im2col-bench [--rounds 30]
//
// Each variant builds every column block of the layer in turn (as one thread does for its
// GEMM blocks); the figure is the best round, in µs for all blocks, and the ratio to the
// reference-bytes variant Im2ColS8BlockRows. The block widths are the GEMM's (ColumnBlock in
// runtime/linear_layer.cc at 2 threads; 49 for the 7x7 layers that run as one block).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/isa.h"
#include "kernels/kernels.h"

using namespace eq;

int main(int argc, char** argv) {
  int rounds = 30;
  for (int i = 1; i + 1 < argc; i++)
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::max(1, std::atoi(argv[i + 1]));
  struct Case {
    const char* name;
    uint32_t cin, k, s, pad, in, nb;
  };
  const Case cases[] = {{"squeezenet conv1 3x3/2, 224", 3, 3, 2, 0, 224, 248},
                        {"mobilenet conv0 3x3/2 pad 1, 224", 3, 3, 2, 1, 224, 1024}, {"resnet18 conv1 7x7/2, 224", 3, 7, 2, 3, 224, 256},
                        {"resnet18 layer2.0.conv1 3x3/2, 56", 64, 3, 2, 1, 56, 132}, {"resnet18 layer3.0.conv1 3x3/2, 28", 128, 3, 2, 1, 28, 100},
                        {"resnet18 layer4.0.conv1 3x3/2, 14", 256, 3, 2, 1, 14, 49},  {"resnet18 layer1 3x3/1, 56", 64, 3, 1, 1, 56, 132},
                        {"resnet18 layer4 3x3/1, 7", 512, 3, 1, 1, 7, 49}};
  struct Variant {
    const char* name;
    kernels::Im2ColBlockFn fn;
  };
  std::vector<Variant> variants = {{"rows", &kernels::Im2ColS8BlockRows}};
#if defined(EQ_HAVE_AVX2)
  variants.push_back({"avx2", &kernels::Im2ColS8BlockAvx2});
#endif
#if defined(EQ_HAVE_AVX512VNNI)
  if (CpuHasAvx512Vbmi()) variants.push_back({"vbmi", &kernels::Im2ColS8BlockVbmi});
#endif
#if defined(EQ_HAVE_NEON)
  variants.push_back({"neon", &kernels::Im2ColS8BlockNeon});
#endif
  std::printf("im2col-bench: best of %d interleaved rounds, µs for all column blocks of the layer (one thread)\n", rounds);
  std::printf("%-36s %8s %8s", "layer", "K", "P");
  for (const Variant& v : variants) std::printf(" %10s", v.name);
  std::printf("   %s\n", variants.size() > 1 ? "rows / best other" : "");
  for (const Case& c : cases) {
    LinearGeom g;
    g.cin = c.cin;
    g.cout = 64;
    g.kh = g.kw = c.k;
    g.sh = g.sw = c.s;
    g.padT = g.padL = c.pad;
    g.inH = g.inW = c.in;
    g.outH = g.outW = (c.in + 2 * c.pad - c.k) / c.s + 1;
    g.K = c.cin * c.k * c.k;
    g.P = g.outH * g.outW;
    std::vector<int8_t> x(static_cast<size_t>(c.cin) * c.in * c.in);
    for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<int8_t>(i * 7 + 3);
    std::vector<int8_t> dst(static_cast<size_t>(g.K) * c.nb + 64);
    std::vector<double> best(variants.size(), 1e30);
    for (int r = 0; r < rounds; r++)
      for (size_t j = 0; j < variants.size(); j++) {
        const size_t vi = (j + static_cast<size_t>(r)) % variants.size();  // rotating order
        const Variant& v = variants[vi];
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t p = 0; p < g.P; p += c.nb) v.fn(x.data(), g, 0, p, std::min<size_t>(g.P, p + c.nb), dst.data());
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
        best[vi] = std::min(best[vi], us);
      }
    std::printf("%-36s %8u %8u", c.name, g.K, g.P);
    for (double b : best) std::printf(" %10.1f", b);
    if (variants.size() > 1) std::printf("   %.2fx", best[0] / *std::min_element(best.begin() + 1, best.end()));
    std::printf("\n");
  }
}
