#include "common/thread_pool.h"

#include <chrono>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace eq {

namespace {
constexpr int kSpinMicros = 200;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
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

ThreadPool::ThreadPool(int threads) {
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

void ThreadPool::Drain(int thread) {
  for (;;) {
    const size_t t = next_.fetch_add(1);
    if (t >= tasks_) break;
    (*fn_)(t, thread);
    finished_.fetch_add(1);
  }
}

void ThreadPool::WorkerLoop(int id) {
  size_t seen = 0;
  for (;;) {
    SpinUntil([&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      active_++;
    }
    Drain(id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_--;
    }
    done_.notify_all();
  }
}

void ThreadPool::ParallelFor(size_t tasks, const std::function<void(size_t, int)>& fn) {
  if (tasks == 0) return;
  if (workers_.empty() || tasks == 1) {
    for (size_t t = 0; t < tasks; t++) fn(t, 0);
    return;
  }
  {
    // a worker that woke late for the previous call may still be leaving Drain()
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return active_ == 0; });
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0);
    finished_.store(0);
    generation_++;
  }
  wake_.notify_all();
  Drain(0);
  // wait until every task has finished and no worker is still inside Drain (it reads fn_/tasks_)
  SpinUntil([&] { return finished_.load() == tasks && active_.load() == 0; });
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return finished_.load() == tasks && active_ == 0; });
  fn_ = nullptr;
}

}  // namespace eq
