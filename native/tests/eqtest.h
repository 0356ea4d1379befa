// Minimal self-registering test framework for the kernel tests (no dependencies, so the same
// binary cross-compiles for aarch64 and runs under qemu-aarch64-static).
//   EQ_TEST(igemm_matches_scalar) { EQ_EXPECT(a == b) << "..." ; }
// The binary prints one line per test and "N passed, M failed"; exit code 1 on any failure.
// Filter: eq-kernel-tests <substring>...
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace eqtest {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& Registry();
struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { Registry().push_back({name, std::move(fn)}); }
};

// Failure collector of the running test.
void Fail(const std::string& where, const std::string& what);
size_t FailureCount();
// Runs the registered tests whose name contains any argv[1..] (all without arguments), one line
// each, then "N passed, M failed"; returns the exit code (eqtest_runner.cc).
int RunAll(int argc, char** argv);

// Deterministic generator (mulberry32, same as src-main/core/synth/rng.ts).
class Rng {
 public:
  explicit Rng(uint32_t seed) : s_(seed) {}
  uint32_t Next() {
    uint32_t t = (s_ += 0x6D2B79F5u);
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return t ^ (t >> 14);
  }
  int32_t Uniform(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>(Next() % static_cast<uint32_t>(hi - lo + 1)); }

 private:
  uint32_t s_;
};

class FailStream {
 public:
  FailStream(bool ok, const char* file, int line, const char* expr) : ok_(ok), file_(file), line_(line), expr_(expr) {}
  ~FailStream() {
    if (!ok_) Fail(std::string(file_) + ":" + std::to_string(line_), std::string(expr_) + " " + ss_.str());
  }
  template <class T>
  FailStream& operator<<(const T& v) {
    if (!ok_) ss_ << v;
    return *this;
  }

 private:
  bool ok_;
  const char* file_;
  int line_;
  const char* expr_;
  std::ostringstream ss_;
};

}  // namespace eqtest

#define EQ_TEST(name)                                                   \
  static void eqtest_##name();                                          \
  static ::eqtest::Registrar eqtest_reg_##name(#name, eqtest_##name);   \
  static void eqtest_##name()

#define EQ_EXPECT(cond) ::eqtest::FailStream((cond), __FILE__, __LINE__, #cond)
