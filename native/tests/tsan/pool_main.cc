// main() of eq-pool-tsan: the eqtest runner without the kernel library (tests/test_main.cc
// prints the CPU's ISA levels, which needs eqrt).
#include <cstdio>

#include "eqtest.h"

namespace eqtest {

std::vector<Case>& Registry() {
  static std::vector<Case> r;
  return r;
}

namespace {
size_t g_failures = 0;
}

void Fail(const std::string& where, const std::string& what) {
  if (g_failures < 20) std::printf("    FAIL %s: %s\n", where.c_str(), what.c_str());
  g_failures++;
}
size_t FailureCount() { return g_failures; }

}  // namespace eqtest

int main() {
  size_t passed = 0, failed = 0;
  for (const eqtest::Case& c : eqtest::Registry()) {
    const size_t before = eqtest::FailureCount();
    c.fn();
    const bool ok = eqtest::FailureCount() == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
    std::fflush(stdout);
    (ok ? passed : failed)++;
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed ? 1 : 0;
}
