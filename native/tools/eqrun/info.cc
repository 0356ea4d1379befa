// `eqrun info`: what the deploy module needs to know about a board, as one JSON object.
#include <sched.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "kernels/isa.h"
#include "util.h"

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

namespace eqrun {
namespace {

std::vector<std::string> CpuFeatures() {
  std::vector<std::string> f;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    if (d & (1u << 26)) f.push_back("sse2");
    if (c & (1u << 19)) f.push_back("sse4_1");
    if (c & (1u << 28)) f.push_back("avx");
    if (c & (1u << 12)) f.push_back("fma");
  }
  if (__get_cpuid_max(0, nullptr) >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    if (b & (1u << 5)) f.push_back("avx2");
    if (b & (1u << 16)) f.push_back("avx512f");
    if (b & (1u << 30)) f.push_back("avx512bw");
    if (c & (1u << 11)) f.push_back("avx512vnni");
  }
#elif defined(__aarch64__)
  const unsigned long hw = getauxval(AT_HWCAP);
  struct Bit {
    unsigned long mask;
    const char* name;
  };
  // bit positions from the arm64 Linux uapi <asm/hwcap.h>
  const Bit bits[] = {{1ul << 0, "fp"}, {1ul << 1, "asimd"}, {1ul << 3, "aes"}, {1ul << 7, "crc32"}, {1ul << 8, "atomics"},
                      {1ul << 9, "fphp"}, {1ul << 10, "asimdhp"}, {1ul << 20, "asimddp"}, {1ul << 22, "sve"}};
  for (const Bit& b : bits)
    if (hw & b.mask) f.push_back(b.name);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
  if (hw2 & (1ul << 13)) f.push_back("i8mm");
#endif
  return f;
}

int AffinityCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace

int CmdInfo(int argc, char** argv) {
  ParseArgs(argc, argv, 2, {}, {});
  struct utsname u {};
  uname(&u);
  struct sysinfo si {};
  sysinfo(&si);
  const double unit = si.mem_unit ? si.mem_unit : 1;
  std::string feats = "[";
  const auto fv = CpuFeatures();
  for (size_t i = 0; i < fv.size(); i++) feats += (i ? "," : "") + JsonString(fv[i]);
  feats += "]";
  std::string isas = "[";
  const std::string avail = eq::AvailableIsas();
  size_t start = 0, k = 0;
  while (start <= avail.size() && !avail.empty()) {
    const size_t comma = avail.find(',', start);
    const std::string one = avail.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    isas += (k++ ? "," : "") + JsonString(one);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  isas += "]";
  std::printf(
      "{\"runner\":\"eqrun\",\"version\":%s,\"arch\":%s,\"sysname\":%s,\"release\":%s,\"features\":%s,\"isa\":%s,\"isas\":%s,"
      "\"cores\":%d,\"memTotal\":%.0f,\"memFree\":%.0f}\n",
      JsonString(kVersion).c_str(), JsonString(u.machine).c_str(), JsonString(u.sysname).c_str(), JsonString(u.release).c_str(), feats.c_str(),
      JsonString(eq::IsaName(eq::DetectIsa())).c_str(), isas.c_str(), AffinityCores(), si.totalram * unit, si.freeram * unit);
  return 0;
}

}  // namespace eqrun
