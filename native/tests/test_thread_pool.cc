// ThreadPool::ParallelFor: every task runs exactly once with a valid, exclusive thread index
// (the caller's tasks a prefix of them),
// for many calls of varying sizes on 1–4 threads, back to back (the caller returns while late
// workers may still be leaving the previous call), nested, with a work threshold, and with an
// exception. Also built alone with -fsanitize=thread (target eq-pool-tsan, EQ_TSAN=ON).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_pool.h"
#include "eqtest.h"

namespace {

using eq::ThreadPool;

// Runs one call of `tasks` tasks and checks: each index once, thread in range, no two tasks
// on the same thread index at the same time.
void CheckCall(ThreadPool& pool, size_t tasks, uint64_t work, uint32_t salt) {
  std::vector<std::atomic<int>> hits(tasks);
  std::vector<std::atomic<int>> busy(static_cast<size_t>(pool.threads()));
  std::atomic<int> bad_thread{0}, overlap{0};
  pool.ParallelFor(
      tasks,
      [&](size_t t, int thread) {
        if (thread < 0 || thread >= pool.threads()) {
          bad_thread++;
          return;
        }
        if (busy[thread].fetch_add(1) != 0) overlap++;
        // a little uneven work so that threads interleave differently per call
        volatile uint32_t x = salt + static_cast<uint32_t>(t);
        for (uint32_t i = 0; i < (x & 63u) * 8u; i++) x = x * 1664525u + 1013904223u;
        hits[t].fetch_add(1);
        busy[thread].fetch_sub(1);
      },
      work);
  EQ_EXPECT(bad_thread == 0) << "threads=" << pool.threads() << " tasks=" << tasks;
  EQ_EXPECT(overlap == 0) << "two tasks ran on one thread index at once (tasks=" << tasks << ")";
  size_t wrong = 0;
  for (size_t t = 0; t < tasks; t++) wrong += hits[t].load() != 1;
  EQ_EXPECT(wrong == 0) << wrong << " of " << tasks << " tasks did not run exactly once (threads=" << pool.threads() << ")";
}

}  // namespace

EQ_TEST(thread_pool_every_task_exactly_once) {
  eqtest::Rng rng(7);
  for (int threads = 1; threads <= 4; threads++) {
    ThreadPool pool(threads);
    EQ_EXPECT(pool.threads() == threads);
    for (int call = 0; call < 400; call++) {
      const size_t tasks = static_cast<size_t>(rng.Uniform(0, call % 10 == 0 ? 3000 : 40));
      CheckCall(pool, tasks, ThreadPool::kUnknownWork, rng.Next());
    }
  }
}

EQ_TEST(thread_pool_back_to_back_reuses_stack_lambdas) {
  // each call's lambda and counters live on the stack of this loop iteration: a worker that
  // ran a stale task after ParallelFor returned would write into the next iteration's data
  for (int threads = 2; threads <= 4; threads++) {
    ThreadPool pool(threads);
    for (int call = 0; call < 5000; call++) {
      const size_t tasks = 1 + static_cast<size_t>(call % 7);
      const int tag = call;
      std::vector<int> seen(tasks, -1);  // plain ints: races would show under TSAN
      pool.ParallelFor(tasks, [&seen, tag](size_t t, int) { seen[t] = tag; });
      size_t wrong = 0;
      for (int v : seen) wrong += v != tag;
      EQ_EXPECT(wrong == 0) << "call " << call << " threads " << threads;
      if (wrong) return;
    }
  }
}

EQ_TEST(thread_pool_nested_calls_run_on_the_calling_thread) {
  for (int threads = 1; threads <= 4; threads++) {
    ThreadPool pool(threads);
    ThreadPool other(2);
    const size_t outer = 16, inner = 9;
    std::vector<std::atomic<int>> hits(outer * inner), other_hits(outer * inner);
    std::atomic<int> wrong_thread{0};
    pool.ParallelFor(outer, [&](size_t o, int thread) {
      pool.ParallelFor(inner, [&](size_t i, int t2) {
        if (t2 != thread) wrong_thread++;
        hits[o * inner + i]++;
      });
      // a different pool from inside a task is an ordinary call
      other.ParallelFor(inner, [&](size_t i, int) { other_hits[o * inner + i]++; });
    });
    size_t wrong = 0;
    for (size_t k = 0; k < outer * inner; k++) wrong += hits[k].load() != 1 || other_hits[k].load() != 1;
    EQ_EXPECT(wrong == 0) << wrong << " nested tasks did not run exactly once (threads=" << threads << ")";
    EQ_EXPECT(wrong_thread == 0) << "nested tasks must keep the outer task's thread index";
  }
}

EQ_TEST(thread_pool_work_below_threshold_runs_on_the_caller) {
  ThreadPool pool(4);
  const uint64_t min = pool.min_parallel_work();
  if (min == 0) return;  // EQ_PARALLEL_MIN_WORK=0: nothing runs serially
  std::atomic<int> off_caller{0}, hits{0};
  const std::thread::id me = std::this_thread::get_id();
  pool.ParallelFor(
      64,
      [&](size_t, int thread) {
        if (thread != 0 || std::this_thread::get_id() != me) off_caller++;
        hits++;
      },
      min - 1);
  EQ_EXPECT(hits == 64);
  EQ_EXPECT(off_caller == 0) << "work below min_parallel_work() must stay on the caller";
}

EQ_TEST(thread_pool_several_outside_callers_are_serialized) {
  ThreadPool pool(3);
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; c++) {
    callers.emplace_back([&pool, &wrong, c] {
      for (int call = 0; call < 300; call++) {
        const size_t tasks = 1 + static_cast<size_t>((call * 7 + c) % 50);
        std::vector<std::atomic<int>> hits(tasks);
        pool.ParallelFor(tasks, [&](size_t t, int) { hits[t]++; });
        for (auto& h : hits) wrong += h.load() != 1;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EQ_EXPECT(wrong == 0) << wrong << " tasks ran a wrong number of times with concurrent callers";
}

EQ_TEST(thread_pool_rethrows_after_all_tasks_finish) {
  for (int threads = 1; threads <= 4; threads++) {
    ThreadPool pool(threads);
    std::atomic<int> hits{0};
    std::string what;
    try {
      pool.ParallelFor(100, [&](size_t t, int) {
        hits++;
        if (t == 37) throw std::runtime_error("task 37");
      });
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    EQ_EXPECT(what == "task 37") << "threads=" << threads << " got '" << what << "'";
    // split calls run every task; on one thread the rest are skipped
    EQ_EXPECT(hits == (threads == 1 ? 38 : 100)) << "threads=" << threads << " hits=" << hits;
    // the pool keeps working afterwards
    CheckCall(pool, 50, ThreadPool::kUnknownWork, 1);
  }
}

// The caller claims tasks from the front and the workers from the back (thread_pool.h), so the
// caller's tasks are always a prefix [0, k): on 2 threads each core runs one contiguous half,
// and consecutive ops that split the same rows read what their own core wrote.
EQ_TEST(thread_pool_caller_runs_a_prefix_of_the_tasks) {
  eqtest::Rng rng(11);
  for (int threads = 2; threads <= 4; threads++) {
    ThreadPool pool(threads);
    for (int call = 0; call < 300; call++) {
      const size_t tasks = static_cast<size_t>(rng.Uniform(2, 200));
      std::vector<int> by(tasks, -1);
      pool.ParallelFor(tasks, [&](size_t t, int thread) {
        volatile uint32_t x = static_cast<uint32_t>(t);
        for (uint32_t i = 0; i < 200; i++) x = x * 1664525u + 1013904223u;
        by[t] = thread;
      });
      size_t k = 0;
      while (k < tasks && by[k] == 0) k++;
      size_t stray = 0;
      for (size_t t = k; t < tasks; t++) stray += by[t] == 0 || by[t] < 0;
      EQ_EXPECT(stray == 0) << "threads=" << threads << " tasks=" << tasks << ": the caller's tasks are not a prefix (" << stray << " after task " << k << ")";
    }
  }
}

// More tasks than the claim counts hold (2^20 - 1): runs of consecutive tasks are claimed instead.
EQ_TEST(thread_pool_more_tasks_than_the_claim_counts_hold) {
  ThreadPool pool(2);
  const size_t tasks = (size_t{1} << 20) + 5;
  std::vector<std::atomic<uint8_t>> hits(tasks);
  pool.ParallelFor(tasks, [&](size_t t, int) { hits[t].fetch_add(1); });
  size_t wrong = 0;
  for (size_t t = 0; t < tasks; t++) wrong += hits[t].load() != 1;
  EQ_EXPECT(wrong == 0) << wrong << " of " << tasks << " tasks did not run exactly once";
}

// Wake(): workers asleep since the last call start spinning without being given work, and the
// pool keeps every task exactly once when Wake() races with calls from another thread. A lost
// wake-up hangs the first loop below and fails through the test run's timeout.
EQ_TEST(thread_pool_wake_starts_sleeping_workers) {
  ThreadPool one(1);
  one.Wake();  // no workers: nothing to do
  CheckCall(one, 10, ThreadPool::kUnknownWork, 3);
  for (int threads = 2; threads <= 4; threads++) {
    ThreadPool pool(threads);
    CheckCall(pool, 64, ThreadPool::kUnknownWork, 5);
    for (int round = 0; round < 3; round++) {
      while (pool.sleeping_workers() != threads - 1) std::this_thread::sleep_for(std::chrono::microseconds(200));
      const uint64_t before = pool.worker_wakeups();
      pool.Wake();
      // (a woken worker may run on this thread's CPU until it sleeps again: poll the count, not the sleepers)
      while (pool.worker_wakeups() == before) std::this_thread::sleep_for(std::chrono::microseconds(100));
      CheckCall(pool, 64, ThreadPool::kUnknownWork, 7 + static_cast<uint32_t>(round));
    }
    std::atomic<bool> stop{false};
    std::thread waker([&] {
      while (!stop.load()) pool.Wake();
    });
    eqtest::Rng rng(13);
    for (int call = 0; call < 300; call++) CheckCall(pool, static_cast<size_t>(rng.Uniform(0, 100)), ThreadPool::kUnknownWork, rng.Next());
    stop = true;
    waker.join();
  }
}
