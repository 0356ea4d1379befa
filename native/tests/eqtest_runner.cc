// The eqtest registry, failure collector and runner, shared by eq-kernel-tests (test_main.cc)
// and eq-pool-tsan (tsan/pool_main.cc, which links no kernel library).
#include <cstdio>
#include <cstring>

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

int RunAll(int argc, char** argv) {
  size_t passed = 0, failed = 0;
  for (const Case& c : Registry()) {
    bool selected = argc < 2;
    for (int i = 1; i < argc; i++) selected = selected || std::strstr(c.name, argv[i]);
    if (!selected) continue;
    const size_t before = FailureCount();
    c.fn();
    const bool ok = FailureCount() == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
    std::fflush(stdout);
    (ok ? passed : failed)++;
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed ? 1 : 0;
}

}  // namespace eqtest
