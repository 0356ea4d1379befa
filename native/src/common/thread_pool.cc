#include "common/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace eq {

namespace {
constexpr int kSpinMicros = 200;
// state_: generation (24 bits) | tasks claimed from the front (20 bits) | from the back (20
// bits). The caller claims from the front and the workers from the back, so on 2 threads each
// core runs one contiguous half of the tasks: consecutive ops that split the same rows the same
// way find their input in their own core's cache (a shared counter interleaved the blocks, and
// every layer read half its input from the other core; SqueezeNet INT7 on 2 threads 1.20 ->
// 1.15 ms, docs/results/runtime.md). Both counts at kClosedCount: a call
// being set up.
constexpr uint32_t kCountBits = 20;
constexpr uint32_t kClosedCount = (1u << kCountBits) - 1;
constexpr uint32_t kGenMask = (1u << 24) - 1;
constexpr uint64_t kFrontOne = uint64_t{1} << kCountBits;

inline uint64_t Pack(uint32_t gen, uint32_t front, uint32_t back) {
  return (static_cast<uint64_t>(gen & kGenMask) << (2 * kCountBits)) | (static_cast<uint64_t>(front) << kCountBits) | back;
}
inline uint64_t Closed(uint32_t gen) { return Pack(gen, kClosedCount, kClosedCount); }
inline uint32_t GenOf(uint64_t s) { return static_cast<uint32_t>(s >> (2 * kCountBits)); }
inline uint32_t FrontOf(uint64_t s) { return static_cast<uint32_t>(s >> kCountBits) & kClosedCount; }
inline uint32_t BackOf(uint64_t s) { return static_cast<uint32_t>(s) & kClosedCount; }
inline bool IsClosed(uint64_t s) { return FrontOf(s) == kClosedCount && BackOf(s) == kClosedCount; }

// the pool (and thread index) whose task this thread is running, for nested calls
thread_local const ThreadPool* tls_pool = nullptr;
thread_local int tls_thread = 0;

struct TlsScope {
  const ThreadPool* pool;
  int thread;
  TlsScope(const ThreadPool* p, int t) : pool(tls_pool), thread(tls_thread) {
    tls_pool = p;
    tls_thread = t;
  }
  ~TlsScope() {
    tls_pool = pool;
    tls_thread = thread;
  }
};

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

uint64_t MinWorkFromEnv() {
  const char* v = std::getenv("EQ_PARALLEL_MIN_WORK");
  if (!v || !*v) return ThreadPool::kDefaultMinParallelWork;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  return end && *end == '\0' ? static_cast<uint64_t>(n) : ThreadPool::kDefaultMinParallelWork;
}
}  // namespace

template <typename Pred>
bool ThreadPool::SpinUntil(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (int i = 0;; i++) {
    if (pred()) return true;
    CpuRelax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) return pred();
  }
}

int AffinityCpuCount() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

ThreadPool::ThreadPool(int threads) : min_work_(MinWorkFromEnv()), state_(Closed(0)) {
  if (threads <= 0) threads = AffinityCpuCount();
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::RunTasks(uint32_t gen, const Fn* fn, size_t tasks, int thread) {
  const bool front = thread == 0;
  uint64_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    // a call being set up has both counts at kClosedCount (sum >= any task count): never claimed from
    const uint32_t f = FrontOf(s), b = BackOf(s);
    if (GenOf(s) != gen || f + b >= tasks) return;
    if (!state_.compare_exchange_weak(s, s + (front ? kFrontOne : 1), std::memory_order_acquire, std::memory_order_relaxed)) continue;
    // the claim proves generation gen is still running, so fn and tasks were its own
    try {
      (*fn)(front ? f : tasks - 1 - b, thread);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
    // seq_cst pairs with the caller's caller_waiting_ store / done_ load (no lost wake-up)
    if (done_.fetch_add(1) + 1 == tasks && caller_waiting_.load()) {
      { std::lock_guard<std::mutex> lock(mu_); }
      finished_.notify_all();
    }
    s = state_.load(std::memory_order_relaxed);
  }
}

void ThreadPool::WorkerLoop(int id) {
  TlsScope scope(this, id);
  uint32_t seen = 0;
  for (;;) {
    uint64_t s = 0;
    const uint32_t wakes = wakes_.load(std::memory_order_relaxed);
    const auto ready = [&] {
      s = state_.load();
      return stop_.load(std::memory_order_relaxed) || (GenOf(s) != seen && !IsClosed(s));
    };
    if (!SpinUntil(ready)) {
      std::unique_lock<std::mutex> lock(mu_);
      sleepers_.fetch_add(1);  // seq_cst: pairs with the caller's state_ store / sleepers_ load
      wake_.wait(lock, [&] { return ready() || wakes_.load(std::memory_order_relaxed) != wakes; });
      sleepers_.fetch_sub(1);
      wakeups_.fetch_add(1, std::memory_order_relaxed);
    }
    if (stop_.load()) return;
    if (GenOf(s) == seen || IsClosed(s)) continue;  // woken by Wake(): spin for the next call
    seen = GenOf(s);
    // possibly newer than generation `seen` if that call ended meanwhile: then the acquire
    // makes the caller's closing store visible, and RunTasks' claim fails
    const Fn* fn = fn_.load(std::memory_order_acquire);
    const size_t tasks = tasks_.load(std::memory_order_acquire);
    RunTasks(seen, fn, tasks, id);
  }
}

void ThreadPool::ParallelFor(size_t tasks, const Fn& fn, uint64_t work) {
  if (tasks == 0) return;
  if (tls_pool == this) {
    // nested call from one of this pool's tasks: the other threads are busy with the outer call
    for (size_t t = 0; t < tasks; t++) fn(t, tls_thread);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mu_);
  TlsScope scope(this, 0);
  if (workers_.empty() || tasks == 1 || work < min_work_) {
    for (size_t t = 0; t < tasks; t++) fn(t, 0);
    return;
  }
  if (tasks >= kClosedCount) {
    // more tasks than the claim counts hold: claim runs of consecutive tasks
    const size_t per = (tasks + kClosedCount - 2) / (kClosedCount - 1);
    const size_t runs = (tasks + per - 1) / per;
    const Fn chunked = [&](size_t r, int thread) {
      for (size_t t = r * per, end = std::min(tasks, t + per); t < end; t++) fn(t, thread);
    };
    RunSplit(runs, chunked);
    return;
  }
  RunSplit(tasks, fn);
}

void ThreadPool::Wake() {
  if (workers_.empty()) return;
  wakes_.fetch_add(1);  // seq_cst: ordered before the sleepers_ load (as the state_ store in RunSplit)
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mu_); }
    wake_.notify_all();
  }
}

void ThreadPool::RunSplit(size_t tasks, const Fn& fn) {
  // close the previous generation before rewriting the job; the release stores carry the
  // closing store to a worker that reads the new job early (see WorkerLoop)
  state_.store(Closed(gen_), std::memory_order_relaxed);
  fn_.store(&fn, std::memory_order_release);
  tasks_.store(tasks, std::memory_order_release);
  done_.store(0, std::memory_order_relaxed);
  gen_ = (gen_ + 1) & kGenMask;
  if (gen_ == 0) gen_ = 1;  // wrapped: 0 is the workers' initial `seen`
  const uint32_t gen = gen_;
  state_.store(Pack(gen, 0, 0));  // seq_cst: publish, and order before the sleepers_ load
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mu_); }
    wake_.notify_all();
  }
  RunTasks(gen, &fn, tasks, 0);
  if (!SpinUntil([&] { return done_.load(std::memory_order_acquire) == tasks; })) {
    std::unique_lock<std::mutex> lock(mu_);
    caller_waiting_.store(true);  // seq_cst: pairs with the workers' done_ increment
    finished_.wait(lock, [&] { return done_.load() == tasks; });
    caller_waiting_.store(false);
  }
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(error, error_);
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace eq
