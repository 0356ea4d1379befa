#include <cstdio>
#include <cstring>

#include "eqtest.h"
#include "kernels/isa.h"

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

int main(int argc, char** argv) {
  std::printf("eq-kernel-tests: detected ISA %s (available: %s)\n", eq::IsaName(eq::DetectIsa()), eq::AvailableIsas().c_str());
  size_t passed = 0, failed = 0;
  for (const eqtest::Case& c : eqtest::Registry()) {
    bool selected = argc < 2;
    for (int i = 1; i < argc; i++) selected = selected || std::strstr(c.name, argv[i]);
    if (!selected) continue;
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
