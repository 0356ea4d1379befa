// Evicting a buffer from every cache level. The session's autotune times each candidate kernel
// of a layer with that candidate's weights evicted first, as a network run finds them: between
// two runs of a layer the other layers' weights (and on a busy machine other work) have passed
// through the caches. Timed warm, the integer Winograd candidates of deep layers won with
// transformed weights 4-8x the int8 ones held in L3 (ResNet-18 layer4 F(4,3): 18.9 MB), and in
// the network lost to the GEMM they had beaten (docs/results/runtime.md, session 41).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace eq {

// Writes back and invalidates every cache line of [p, p + bytes); a no-op where the platform
// has no user-level cache maintenance. Only timing depends on it, never a result.
inline void EvictFromCaches(const void* p, size_t bytes) {
  if (!p || bytes == 0) return;
  constexpr uintptr_t kLine = 64;  // a smaller line only leaves some lines cached
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
#if defined(__x86_64__) || defined(__i386__)
  for (uintptr_t a = reinterpret_cast<uintptr_t>(p) & ~(kLine - 1); a < end; a += kLine) _mm_clflush(reinterpret_cast<const void*>(a));
  _mm_mfence();
#elif defined(__aarch64__)
  // DC CIVAC is allowed at EL0 on Linux (SCTLR_EL1.UCI)
  for (uintptr_t a = reinterpret_cast<uintptr_t>(p) & ~(kLine - 1); a < end; a += kLine) asm volatile("dc civac, %0" ::"r"(a) : "memory");
  asm volatile("dsb ish" ::: "memory");
#else
  (void)end;
#endif
}

}  // namespace eq
