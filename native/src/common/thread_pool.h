// A small fixed-size thread pool for the kernels: ParallelFor splits [0, n) into tasks that
// the calling thread claims from the front and the workers from the back of one atomic word. Threads default to
// the number of CPUs in the process's affinity mask (sched_getaffinity), not the online CPUs,
// so `taskset -c 0 …` or a container's cpuset is respected.
//
// The counter is tagged with a generation (one per ParallelFor call): a worker can only claim a
// task of the generation it read the task function for, so the caller returns as soon as every
// task is DONE — it never waits for late or descheduled workers to become idle (the old pool
// did, and one preempted worker stalled every layer). Work below a threshold runs on the
// caller alone: waking a worker costs more than it saves.
//
// Waiting threads spin for a short while (kSpinMicros) before they block: the ops of one
// inference call ParallelFor every few microseconds, and a futex wake-up of a halted vCPU
// costs tens of microseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace eq {

// CPUs this process may run on (>= 1).
int AffinityCpuCount();

class ThreadPool {
 public:
  using Fn = std::function<void(size_t task, int thread)>;
  // work estimate meaning "unknown": always split over the threads
  static constexpr uint64_t kUnknownWork = ~uint64_t{0};
  // Default minimum work (MACs or comparable element operations) worth splitting; measured on
  // a 2-core EPYC (docs/results/runtime.md, 2026-12-04 thread pool section). The environment
  // variable EQ_PARALLEL_MIN_WORK overrides it (0 = split everything) for such measurements.
  static constexpr uint64_t kDefaultMinParallelWork = 1u << 20;

  // threads <= 0: AffinityCpuCount(). threads == 1 runs everything on the caller.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  uint64_t min_parallel_work() const { return min_work_; }

  // Calls fn(task, thread) exactly once for every task in [0, tasks); thread is in
  // [0, threads()) and no two tasks run at the same time with the same thread index. The
  // caller runs tasks too and returns once all are done; fn is never touched after that.
  // work: total work of the call; below min_parallel_work() the caller runs all tasks alone.
  // A call from inside a task of this pool runs its tasks serially on that thread (same thread
  // index); calls from several outside threads are serialized. The first exception thrown by
  // fn reaches the caller once no task runs any more: split calls still run every task, calls
  // on the caller alone skip the rest.
  void ParallelFor(size_t tasks, const Fn& fn, uint64_t work = kUnknownWork);

  // Wakes sleeping workers without giving them work: they spin for the next call as after a
  // call of their own. A session calls it before an inference's first op: a worker asleep
  // since the last inference took a median 73 us to start (2-vCPU VM, caches thrashed between
  // runs as in `npm run bench`), and those now overlap the input copy and quantization.
  // Never blocks; a no-op for a 1-thread pool.
  void Wake();
  // For tests and diagnostics: workers blocked in their sleep (or just woken, not yet running),
  // and how many times a worker has left that sleep.
  int sleeping_workers() const { return sleepers_.load(); }
  uint64_t worker_wakeups() const { return wakeups_.load(); }

 private:
  void WorkerLoop(int id);
  // the split path of ParallelFor (under call_mu_, tasks < the claim counts' limit)
  void RunSplit(size_t tasks, const Fn& fn);
  // claims and runs tasks of generation gen until none is left; fn/tasks may be stale reads,
  // they are used only after a claim of generation gen succeeded
  void RunTasks(uint32_t gen, const Fn* fn, size_t tasks, int thread);
  template <typename Pred>
  static bool SpinUntil(Pred pred);

  std::vector<std::thread> workers_;
  uint64_t min_work_ = kDefaultMinParallelWork;
  std::mutex call_mu_;  // one outside caller at a time
  uint32_t gen_ = 0;    // generation of the latest call (under call_mu_)
  // (generation << 32) | next task index; index kClosed while the next call is being set up
  std::atomic<uint64_t> state_;
  std::atomic<const Fn*> fn_{nullptr};
  std::atomic<size_t> tasks_{0};
  std::atomic<size_t> done_{0};
  std::exception_ptr error_;  // under mu_
  std::mutex mu_;
  std::condition_variable wake_, finished_;
  std::atomic<int> sleepers_{0};
  std::atomic<uint32_t> wakes_{0};  // counts Wake() calls: a change wakes sleeping workers
  std::atomic<uint64_t> wakeups_{0};
  std::atomic<bool> caller_waiting_{false};
  std::atomic<bool> stop_{false};
};

}  // namespace eq
