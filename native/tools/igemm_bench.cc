// igemm-bench: achieved int8 MAC/cycle of every GEMM kernel this CPU runs, against the
// ISA's peak.
//
//   igemm-bench [--shape MxNxK]... [--nb COLS] [--kernel SUBSTR] [--min-ms MS] [--reps R] [--dwconv]
//
// --dwconv adds a table of the depthwise kernels (MobileNet-style layers, MAC/cycle and the
// speed-up over the scalar reference) and, on AVX-512 VNNI, the int8-output pipelines the
// runtime runs: AVX2 sums + output stage against the fused AVX-512 kernel, per 16 channels.
//
// Per kernel and shape it reports (single thread):
//   run   : the micro-kernel + blocking loop alone (run() over column blocks of --nb columns,
//           B already packed) → MAC/cycle and % of peak;
//   pack  : pack_b of all column blocks (what the driver pays per call);
//   total : pack_b + run, per block, as the driver does it.
//
// Cycles. `perf stat -e cycles` is not available in this VM (no PMU), and the TSC ticks at a
// fixed rate (2.1 GHz here) that is NOT the core clock (boost ~3.2 GHz), so MAC per TSC tick
// would overstate the per-cycle figure by ~1.5x. Instead the core clock is measured: a chain
// of dependent 64-bit IMULs (3-cycle latency on every recent x86 core) timed with the thread's
// CPU-time clock (so time this thread spends descheduled on the shared machine is not
// counted); cycles = thread CPU seconds x measured GHz. Calibration is repeated before every
// kernel, and every figure is the best of --reps repetitions (default 25 x >= 4 ms).
//
// Peak model (per core, per cycle). The multiply-class vector instructions VPMADDUBSW,
// VPMADDWD and VPDPBUSD all issue on the same two pipes on AMD Zen 4/5 (measured below as
// "mul-port ops/cycle"; ~2.0 on this EPYC, family 26 = Zen 5, for ymm and zmm alike):
//   AVX2 INT8  (VPMADDWD ymm, 16 MAC/instr x 2)                    =  32 MAC/cycle
//   AVX2 INT7  (VPMADDUBSW ymm, 32 MAC/instr x 2)                  =  64 MAC/cycle (instruction peak)
//              exact scheme: 2 VPMADDUBSW + 1 VPMADDWD(ones) per 64 MAC per ymm (the int16
//              intermediates must be widened every 8 k, see igemm_avx2_int7.cc)
//                                                                 = 42.7 MAC/cycle (algorithmic bound)
//   VNNI       (VPDPBUSD zmm, 64 MAC/instr x 2)                    = 128 MAC/cycle
//   scalar     (no peak model; shown for reference)
#include <immintrin.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/dwconv_s8.h"
#include "kernels/igemm.h"
#include "kernels/isa.h"

using namespace eq;
using namespace eq::kernels;

namespace {

double ThreadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Core clock in GHz: best of 5 runs of a dependent IMUL chain (3 cycles each).
double CoreGHz() {
  double best = 0;
  for (int r = 0; r < 5; r++) {
    const long n = 4000000;
    long x = 3;
    const double t0 = ThreadSeconds();
    for (long i = 0; i < n; i++) __asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0" : "+r"(x));
    const double dt = ThreadSeconds() - t0;
    best = std::max(best, static_cast<double>(n) * 4 * 3 / dt / 1e9);
  }
  return best;
}

// TSC ticks per wall-clock second (for the caveat line only).
double TscGHz() {
  const auto w0 = std::chrono::steady_clock::now();
  const uint64_t t0 = __rdtsc();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const uint64_t t1 = __rdtsc();
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  return static_cast<double>(t1 - t0) / dt / 1e9;
}

// Measured issue rate of independent multiply-class vector ops (12 independent accumulators).
double MulOpsPerCycle(double ghz, bool zmm) {
  double best = 0;
  for (int r = 0; r < 3; r++) {
    const long n = 2000000;
    const double t0 = ThreadSeconds();
    for (long i = 0; i < n; i++) {
      if (zmm)
        __asm__ volatile(
            "vpdpbusd %%zmm15,%%zmm14,%%zmm0\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm1\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm2\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm3\n\t"
            "vpdpbusd %%zmm15,%%zmm14,%%zmm4\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm5\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm6\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm7\n\t"
            "vpdpbusd %%zmm15,%%zmm14,%%zmm8\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm9\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm10\n\tvpdpbusd %%zmm15,%%zmm14,%%zmm11\n\t" ::
                : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11");
      else
        __asm__ volatile(
            "vpmaddwd %%ymm15,%%ymm14,%%ymm0\n\tvpmaddubsw %%ymm15,%%ymm14,%%ymm1\n\tvpmaddwd %%ymm15,%%ymm14,%%ymm2\n\tvpmaddubsw %%ymm15,%%ymm14,%%ymm3\n\t"
            "vpmaddwd %%ymm15,%%ymm14,%%ymm4\n\tvpmaddubsw %%ymm15,%%ymm14,%%ymm5\n\tvpmaddwd %%ymm15,%%ymm14,%%ymm6\n\tvpmaddubsw %%ymm15,%%ymm14,%%ymm7\n\t"
            "vpmaddwd %%ymm15,%%ymm14,%%ymm8\n\tvpmaddubsw %%ymm15,%%ymm14,%%ymm9\n\tvpmaddwd %%ymm15,%%ymm14,%%ymm10\n\tvpmaddubsw %%ymm15,%%ymm14,%%ymm11\n\t" ::
                : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11");
    }
    const double dt = ThreadSeconds() - t0;
    best = std::max(best, static_cast<double>(n) * 12 / (dt * ghz * 1e9));
  }
  return best;
}

struct Peak {
  double instr;       // instruction-throughput peak, MAC/cycle
  double algorithmic; // bound of the exact scheme (differs from instr only for AVX2 INT7)
};

Peak PeakOf(const IGemmKernel* k, double mul_ops) {
  if (k->isa == Isa::kAvx512Vnni) return {64 * mul_ops, 64 * mul_ops};
  if (k->isa == Isa::kAvx2 && k->max_qmax == 63) return {32 * mul_ops, 64.0 / 3.0 * mul_ops};
  if (k->isa == Isa::kAvx2) return {16 * mul_ops, 16 * mul_ops};
  return {0, 0};
}

struct Shape {
  size_t M, N, K;
  const char* what;
};

struct Result {
  double run_s, pack_s, total_s;
};

// Best-of-reps seconds per call of fn, each rep long enough (>= min_ms).
template <class F>
double BestSeconds(F fn, int reps, double min_ms) {
  fn();  // warm-up (page faults, caches)
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    long iters = 0;
    const double t0 = ThreadSeconds();
    double dt = 0;
    do {
      fn();
      iters++;
      dt = ThreadSeconds() - t0;
    } while (dt * 1e3 < min_ms);
    best = std::min(best, dt / static_cast<double>(iters));
  }
  return best;
}

Result Measure(const IGemmKernel* k, const Shape& s, size_t nb, int32_t qmax, int reps, double min_ms) {
  std::vector<int8_t> A(s.M * s.K), B(s.K * s.N);
  uint32_t st = 12345;
  auto rnd = [&] {
    st = st * 1664525u + 1013904223u;
    return static_cast<int8_t>(static_cast<int32_t>((st >> 16) % (2 * qmax + 1)) - qmax);
  };
  for (auto& v : A) v = rnd();
  for (auto& v : B) v = rnd();
  std::vector<uint8_t> pa(k->packed_a_bytes(s.M, s.K));
  k->pack_a(A.data(), s.M, s.K, pa.data());
  const size_t blocks = (s.N + nb - 1) / nb;
  const size_t bbytes = k->packed_b_bytes(s.K, nb);
  std::vector<uint8_t> pb_all(blocks * bbytes), pb_one(bbytes);
  std::vector<int32_t> C(s.M * s.N);
  auto pack_all = [&] {
    for (size_t b = 0; b < blocks; b++) {
      const size_t n0 = b * nb, w = std::min(nb, s.N - n0);
      k->pack_b(B.data() + n0, s.N, s.K, w, pb_all.data() + b * bbytes);
    }
  };
  pack_all();
  auto run_all = [&] {
    for (size_t b = 0; b < blocks; b++) {
      const size_t n0 = b * nb, w = std::min(nb, s.N - n0);
      k->run(pa.data(), pb_all.data() + b * bbytes, s.M, w, s.K, C.data() + n0, s.N);
    }
  };
  auto total = [&] {  // the driver's pattern: one thread packs a block into its buffer, then runs it
    for (size_t b = 0; b < blocks; b++) {
      const size_t n0 = b * nb, w = std::min(nb, s.N - n0);
      k->pack_b(B.data() + n0, s.N, s.K, w, pb_one.data());
      k->run(pa.data(), pb_one.data(), s.M, w, s.K, C.data() + n0, s.N);
    }
  };
  Result r;
  r.run_s = BestSeconds(run_all, reps, min_ms);
  r.pack_s = BestSeconds(pack_all, reps, min_ms);
  r.total_s = BestSeconds(total, reps, min_ms);
  return r;
}

struct DwShape {
  uint32_t C, in, k, s;
};

// Depthwise: seconds per call of `k` on C channels of in x in, pad k/2.
double DwSeconds(const DwConvKernel* k, const DwShape& d, int reps, double min_ms) {
  const uint32_t pad = d.k / 2, out = (d.in + 2 * pad - d.k) / d.s + 1;
  std::vector<int8_t> x(static_cast<size_t>(d.C) * d.in * d.in), w(static_cast<size_t>(d.C) * d.k * d.k);
  for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  for (size_t i = 0; i < w.size(); i++) w[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 255) - 127);
  std::vector<int32_t> acc(static_cast<size_t>(d.C) * out * out);
  return BestSeconds([&] { k->run(x.data(), w.data(), d.in, d.in, out, out, d.k, d.k, d.s, d.s, 1, 1, pad, pad, 0, 0, d.C, acc.data()); }, reps, min_ms);
}

// Seconds per layer of an int8-output depthwise layer (ReLU clamp) as LinearLayer runs it:
// 16 channels at a time, either `k` + the output stage `stage`, or the fused kernel `fused`
// (k null).
// qmax: the values' range (63: INT7 data, which the INT7 kernel needs).
double DwS8Seconds(const DwConvKernel* k, OutputStageS8Fn stage, DwConvS8Fn fused, const DwShape& d, int reps, double min_ms, int qmax = 127) {
  const uint32_t pad = d.k / 2, out = (d.in + 2 * pad - d.k) / d.s + 1;
  const size_t P = static_cast<size_t>(out) * out;
  std::vector<int8_t> x(static_cast<size_t>(d.C) * d.in * d.in), w(static_cast<size_t>(d.C) * d.k * d.k), y(d.C * P);
  for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<int8_t>(static_cast<int>(i * 37 % (2 * qmax + 1)) - qmax);
  for (size_t i = 0; i < w.size(); i++) w[i] = static_cast<int8_t>(static_cast<int>(i * 53 % (2 * qmax + 1)) - qmax);
  std::vector<int32_t> bias(d.C, 100), acc(16 * P);
  std::vector<float> mult(d.C, 1e-3f);
  std::vector<double> tm(d.C, 1.0);
  const OutputStage st{bias.data(), mult.data(), tm.data(), 0, 127, false, 0, 0};
  return BestSeconds(
      [&] {
        for (size_t c = 0; c < d.C; c += 16) {
          const size_t c1 = std::min<size_t>(d.C, c + 16);
          size_t bad;
          if (!k) {
            fused(x.data(), w.data(), d.in, d.in, out, out, d.k, d.k, d.s, d.s, pad, pad, 0, c, c1, st, y.data());
          } else {
            k->run(x.data(), w.data(), d.in, d.in, out, out, d.k, d.k, d.s, d.s, 1, 1, pad, pad, 0, c, c1, acc.data());
            stage(acc.data(), P, c, c1 - c, 0, P, st, y.data(), P, 1, nullptr, &bad);
          }
        }
      },
      reps, min_ms);
}

void DwTable(int reps, double min_ms) {
  const DwShape shapes[] = {{32, 112, 3, 1}, {96, 112, 3, 2}, {144, 56, 3, 1}, {128, 56, 3, 2}, {256, 28, 3, 2}, {192, 28, 3, 1}, {576, 14, 3, 1}, {960, 7, 3, 1},
                            {240, 28, 5, 1}, {144, 56, 5, 2}, {672, 14, 5, 2}};
  std::printf("\n%-16s %-22s %12s %10s %14s\n", "kernel", "C x in x in, k, stride", "MAC/cycle", "ms", "vs scalar");
  for (const DwShape& d : shapes) {
    const uint32_t pad = d.k / 2, out = (d.in + 2 * pad - d.k) / d.s + 1;
    const double macs = static_cast<double>(d.C) * out * out * d.k * d.k;
    const double ghz = CoreGHz();
    const double ts = DwSeconds(DwConvScalar(), d, reps, min_ms);
    const DwConvKernel* best = SelectDwConv(DetectIsa(), d.k, d.k, d.s, d.s, 1, 1);
    const double tb = best == DwConvScalar() ? ts : DwSeconds(best, d, reps, min_ms);
    char shape[48];
    std::snprintf(shape, sizeof shape, "%ux%ux%u k%u s%u", d.C, d.in, d.in, d.k, d.s);
    std::printf("%-16s %-22s %12.1f %10.3f %13.1fx\n", best->name, shape, macs / (tb * ghz * 1e9), tb * 1e3, ts / tb);
    std::printf("%-16s %-22s %12.1f %10.3f\n", DwConvScalar()->name, shape, macs / (ts * ghz * 1e9), ts * 1e3);
    // int8 outputs: the unfused AVX2 pair against the fused kernel of the best level
    const DwConvS8Fn fused = SelectDwConvS8(DetectIsa(), d.k, d.k, d.s, d.s, 1, 1, 127);
    if (fused && IsaAvailable(Isa::kAvx2)) {
      const double ta = DwS8Seconds(DwConvAvx2(), SelectOutputStageS8(Isa::kAvx2), nullptr, d, reps, min_ms);
      const double tf = DwS8Seconds(nullptr, nullptr, fused, d, reps, min_ms);
      std::printf("  int8 out: %s + stage %.3f ms, fused %s %.3f ms (%.2fx)\n", DwConvAvx2()->name, ta * 1e3, IsaName(DetectIsa()), tf * 1e3, ta / tf);
      // INT7 data: the general fused kernel against the INT7 one this level picks (if another)
      const DwConvS8Fn fused7 = SelectDwConvS8(DetectIsa(), d.k, d.k, d.s, d.s, 1, 1, 63);
      if (fused7 != fused) {
        const double tg = DwS8Seconds(nullptr, nullptr, fused, d, reps, min_ms, 63);
        const double t7 = DwS8Seconds(nullptr, nullptr, fused7, d, reps, min_ms, 63);
        std::printf("  int7 data: fused %.3f ms, int7 fused %.3f ms (%.2fx, %.1f MAC/cycle)\n", tg * 1e3, t7 * 1e3, tg / t7, macs / (t7 * ghz * 1e9));
      }
    }
    std::fflush(stdout);
  }
}

bool ParseShape(const char* s, Shape* out) {
  unsigned long m, n, k;
  if (std::sscanf(s, "%lux%lux%lu", &m, &n, &k) != 3 || !m || !n || !k) return false;
  *out = {m, n, k, "user"};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Shape> shapes;
  size_t nb = 192;
  std::string filter;
  // many short repetitions: on a shared machine a 4 ms window is often not preempted, while a
  // long one almost always is (and the other process evicts L1/L2 in between)
  double min_ms = 4;
  int reps = 25;
  bool dwconv = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--shape" && has) {
      Shape s;
      if (!ParseShape(argv[++i], &s)) {
        std::fprintf(stderr, "igemm-bench: bad --shape '%s' (expected MxNxK)\n", argv[i]);
        return 2;
      }
      shapes.push_back(s);
    } else if (a == "--nb" && has) {
      nb = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--kernel" && has) {
      filter = argv[++i];
    } else if (a == "--min-ms" && has) {
      min_ms = std::atof(argv[++i]);
    } else if (a == "--reps" && has) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--dwconv") {
      dwconv = true;
    } else {
      std::fprintf(stderr, "usage: igemm-bench [--shape MxNxK]... [--nb COLS] [--kernel SUBSTR] [--min-ms MS] [--reps R] [--dwconv]\n");
      return 2;
    }
  }
  if (nb == 0 || reps <= 0) {
    std::fprintf(stderr, "igemm-bench: --nb and --reps must be positive\n");
    return 2;
  }
  if (shapes.empty()) {
    shapes = {
        {256, 768, 2304, "large: micro-kernel bound"},
        {64, 3136, 576, "resnet18 layer1 3x3"},
        {128, 784, 1152, "resnet18 layer2 3x3"},
        {256, 196, 2304, "resnet18 layer3 3x3"},
        {512, 49, 4608, "resnet18 layer4 3x3"},
        {64, 12544, 147, "resnet18 conv1 7x7/2"},
        {96, 3136, 16, "mobilenetv2 1x1 expand (K=16)"},
        {32, 12544, 27, "mobilenetv2 conv1 3x3/2 (K=27)"},
    };
  }

  std::printf("igemm-bench: ISA %s (available %s), single thread, column blocks of %zu\n", IsaName(DetectIsa()), AvailableIsas().c_str(), nb);
  const double ghz0 = CoreGHz(), tsc = TscGHz();
  std::printf("TSC %.2f GHz: a constant rate, not the core clock; MAC per TSC tick would read %.2fx the per-cycle figures below\n", tsc, ghz0 / tsc);
  const bool has_avx2 = IsaAvailable(Isa::kAvx2), has_vnni = IsaAvailable(Isa::kAvx512Vnni);
  const double mul_ymm = has_avx2 ? MulOpsPerCycle(ghz0, false) : 0, mul_zmm = has_vnni ? MulOpsPerCycle(ghz0, true) : 0;
  std::printf("core clock %.2f GHz (IMUL chain, thread CPU time); measured multiply-class ops/cycle: ymm VPMADDWD/VPMADDUBSW %.2f, zmm VPDPBUSD %.2f\n",
              ghz0, mul_ymm, mul_zmm);
  std::printf("peak model uses 2 ops/cycle: AVX2 INT8 32, AVX2 INT7 64 (exact-scheme bound 42.7), VNNI 128 MAC/cycle\n\n");

  std::vector<const IGemmKernel*> ks;
  for (int32_t q : {127, 63}) {
    const IGemmKernel* list[16];
    const size_t n = ListIGemm(q, list, 16);
    for (size_t i = 0; i < n; i++)
      if (std::find(ks.begin(), ks.end(), list[i]) == ks.end() && (filter.empty() || std::strstr(list[i]->name, filter.c_str()))) ks.push_back(list[i]);
  }
  std::printf("%-20s %-34s %15s %9s %9s %14s %9s %9s\n", "kernel", "shape", "M x N x K", "run MAC/c", "%peak", "%exact-bound", "pack ms", "total MAC/c");
  for (const Shape& s : shapes) {
    for (const IGemmKernel* k : ks) {
      const double macs = static_cast<double>(s.M) * s.N * s.K;
      if (k->isa == Isa::kScalar && macs > 2e8) continue;  // the reference is too slow to bother
      const double ghz = CoreGHz();
      const Peak peak = PeakOf(k, 2.0);
      const Result r = Measure(k, s, nb, k->max_qmax, reps, min_ms);
      const double run_mpc = macs / (r.run_s * ghz * 1e9), total_mpc = macs / (r.total_s * ghz * 1e9);
      char shape[48];
      std::snprintf(shape, sizeof shape, "%zux%zux%zu", s.M, s.N, s.K);
      char pk[16] = "-", ex[16] = "-";
      if (peak.instr > 0) {
        std::snprintf(pk, sizeof pk, "%.0f%%", 100 * run_mpc / peak.instr);
        std::snprintf(ex, sizeof ex, "%.0f%%", 100 * run_mpc / peak.algorithmic);
      }
      std::printf("%-20s %-34s %15s %9.1f %9s %14s %9.3f %9.1f\n", k->name, s.what, shape, run_mpc, pk, ex, r.pack_s * 1e3, total_mpc);
      std::fflush(stdout);
    }
  }
  if (dwconv) DwTable(reps, min_ms);
  return 0;
}
