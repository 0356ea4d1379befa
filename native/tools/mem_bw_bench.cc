// Developer tool: read bandwidth of this machine at 1 and 2 threads, for buffers from L2 to DRAM
// size. Why: a layer whose weights stream from DRAM (the interleaved bench leaves caches cold)
// splits over 2 threads only as far as the memory system delivers more bytes to 2 cores than to
// one (docs/results/runtime.md).
//
//   native/build/host/mem-bw-bench [--runs 9]
//
// Each thread sums its contiguous half of the buffer (uint64 lanes, which the compiler
// vectorises), as many passes as make 256 MB, so thread start and join (tens of µs) weigh little;
// the threads wait on a spinning start flag, so their creation is not timed. Best of --runs per
// size; the passes re-read the buffer warm, so buffers that fit a cache level report that level
// and the largest ones report DRAM.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

uint64_t SumRange(const uint64_t* p, size_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  for (; i < n; i++) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

// Seconds for `threads` threads to read words [0, n) of buf `passes` times, each a contiguous share.
double TimedRead(const uint64_t* buf, size_t n, int passes, int threads, uint64_t* sink) {
  std::atomic<int> go{0}, ready{0};
  std::vector<uint64_t> sums(static_cast<size_t>(threads), 0);
  const auto share = [&](int t) {
    const size_t a = n * static_cast<size_t>(t) / static_cast<size_t>(threads);
    const size_t b = n * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
    for (int p = 0; p < passes; p++) sums[static_cast<size_t>(t)] += SumRange(buf + a, b - a);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; t++)
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (go.load(std::memory_order_acquire) == 0) {
      }
      share(t);
    });
  while (ready.load() != threads - 1) {
  }
  const auto t0 = std::chrono::steady_clock::now();
  go.store(1, std::memory_order_release);
  share(0);
  for (std::thread& w : workers) w.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (uint64_t v : sums) *sink += v;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 9;
  for (int i = 1; i + 1 < argc; i++)
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
  const size_t sizes_kb[] = {512, 2048, 8192, 24576, 65536, 262144};
  const size_t max_words = sizes_kb[5] * 1024 / sizeof(uint64_t);
  std::vector<uint64_t> buf(max_words);
  for (size_t i = 0; i < max_words; i++) buf[i] = i;
  uint64_t sink = 0;
  std::printf("mem-bw-bench: read bandwidth, best of %d runs (GB/s)\n%10s %10s %10s %8s\n", runs, "buffer", "1 thread", "2 threads", "2T/1T");
  for (size_t kb : sizes_kb) {
    const size_t n = kb * 1024 / sizeof(uint64_t);
    const int passes = static_cast<int>(sizes_kb[5] / kb);
    double best[2] = {1e30, 1e30};
    for (int r = 0; r < runs; r++)
      for (int t = 0; t < 2; t++) best[t] = std::min(best[t], TimedRead(buf.data(), n, passes, t + 1, &sink));
    const double gb = static_cast<double>(n * sizeof(uint64_t)) * passes / 1e9;
    std::printf("%7zu KB %10.1f %10.1f %7.2fx\n", kb, gb / best[0], gb / best[1], best[0] / best[1]);
  }
  return sink == 42 ? 1 : 0;  // keeps the sums live
}
