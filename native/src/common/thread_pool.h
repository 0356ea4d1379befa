// A small fixed-size thread pool for the kernels: ParallelFor splits [0, n) into tasks that
// the calling thread and the workers take from a shared counter. Threads default to the
// number of CPUs in the process's affinity mask (sched_getaffinity), not the online CPUs, so
// `taskset -c 0 …` or a container's cpuset is respected.
//
// Waiting threads spin for a short while (kSpinMicros) before they block: the ops of one
// inference call ParallelFor every few microseconds, and a futex wake-up of a halted vCPU
// costs tens of microseconds, which made 2 threads slower than 1 on small layers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace eq {

// CPUs this process may run on (>= 1).
int AffinityCpuCount();

class ThreadPool {
 public:
  // threads <= 0: AffinityCpuCount(). threads == 1 runs everything on the caller.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(task, thread) for every task in [0, tasks); thread is in [0, threads()).
  // Returns when all tasks are done. Not reentrant: call from one thread at a time.
  void ParallelFor(size_t tasks, const std::function<void(size_t task, int thread)>& fn);

 private:
  void WorkerLoop(int id);
  void Drain(int thread);
  // spins until pred() holds or the spin budget is used up; returns pred()
  template <typename Pred>
  static bool SpinUntil(Pred pred);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(size_t, int)>* fn_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> finished_{0};
  // written under mu_, read without it while spinning
  std::atomic<size_t> generation_{0};
  std::atomic<int> active_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace eq
