#include "kernels/isa.h"

#include <cstdlib>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#define EQ_X86_CPU 1
#elif defined(__aarch64__)
#include <sys/auxv.h>
#define EQ_ARM64_CPU 1
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

namespace eq {
namespace {

#if EQ_X86_CPU
uint64_t Xgetbv() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// Linux hands out the 8 KiB AMX tile state only to processes that ask for it (5.16+); the
// grant is process-wide. Refused (older kernel, or a thread's sigaltstack too small for the
// larger signal frame): no AMX, the AVX-512 kernels run instead.
bool RequestTileData() {
#if defined(__linux__) && defined(SYS_arch_prctl)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

// The CPU's kernel level, and whether it also has AVX-512 VBMI (an extra of the avx512vnni level,
// not a level of its own: Cascade Lake has VNNI without it), from one read of CPUID leaf 7.
struct X86Cpu {
  Isa level = Isa::kScalar;
  bool vbmi = false;
};

X86Cpu DetectX86() {
  X86Cpu cpu;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return cpu;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!osxsave || !avx) return cpu;
  const uint64_t xcr0 = Xgetbv();
  if ((xcr0 & 0x6) != 0x6) return cpu;  // OS saves XMM and YMM state
  if (__get_cpuid_max(0, nullptr) < 7) return cpu;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  if (!avx2 || !fma) return cpu;
  cpu.level = Isa::kAvx2;
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  const bool vnni = c & (1u << 11);
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;  // opmask + ZMM state saved by the OS
  if (!(avx512f && avx512dq && avx512bw && avx512vl && vnni && zmm_state)) return cpu;
  cpu.level = Isa::kAvx512Vnni;
  cpu.vbmi = (c & (1u << 1)) != 0;  // ECX.AVX512_VBMI[bit 1]
  const bool amx_tile = d & (1u << 24), amx_int8 = d & (1u << 25);
  const bool tile_state = (xcr0 & 0x60000) == 0x60000;  // XTILECFG + XTILEDATA enabled by the OS
  if (amx_tile && amx_int8 && tile_state && RequestTileData()) cpu.level = Isa::kAmx;
  return cpu;
}

const X86Cpu& X86() {
  static const X86Cpu cpu = DetectX86();
  return cpu;
}
#endif

Isa Compiled(Isa cpu) {
  // clamp the CPU's level to what this build contains
#if EQ_X86_CPU
#if !defined(EQ_HAVE_AMX)
  if (cpu == Isa::kAmx) cpu = Isa::kAvx512Vnni;
#endif
#if !defined(EQ_HAVE_AVX512VNNI)
  if (cpu == Isa::kAvx512Vnni) cpu = Isa::kAvx2;
#endif
#if !defined(EQ_HAVE_AVX2)
  if (cpu == Isa::kAvx2) cpu = Isa::kScalar;
#endif
#elif EQ_ARM64_CPU
#if !defined(EQ_HAVE_DOTPROD)
  if (cpu == Isa::kDotprod) cpu = Isa::kNeon;
#endif
#if !defined(EQ_HAVE_NEON)
  if (cpu == Isa::kNeon) cpu = Isa::kScalar;
#endif
#endif
  return cpu;
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAmx: return "amx";
    case Isa::kNeon: return "neon";
    case Isa::kDotprod: return "dotprod";
  }
  return "unknown";
}

bool ParseIsa(const std::string& name, Isa* out) {
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kAmx, Isa::kNeon, Isa::kDotprod})
    if (name == IsaName(i)) {
      *out = i;
      return true;
    }
  return false;
}

Isa DetectIsa() {
  static const Isa detected = [] {
#if EQ_X86_CPU
    return Compiled(X86().level);
#elif EQ_ARM64_CPU
    const unsigned long hw = getauxval(AT_HWCAP);
    Isa cpu = Isa::kScalar;
    if (hw & HWCAP_ASIMD) cpu = Isa::kNeon;
    if ((hw & HWCAP_ASIMD) && (hw & HWCAP_ASIMDDP)) cpu = Isa::kDotprod;
    return Compiled(cpu);
#else
    return Isa::kScalar;
#endif
  }();
  return detected;
}

bool IsaAvailable(Isa isa) {
  if (isa == Isa::kScalar) return true;
  const Isa best = DetectIsa();
  const bool x86 = static_cast<int>(isa) < 10, best_x86 = static_cast<int>(best) < 10;
  if (x86 != best_x86 || best == Isa::kScalar) return false;
  return static_cast<int>(isa) <= static_cast<int>(best);
}

bool CpuHasAvx512Vbmi() {
#if EQ_X86_CPU
  // only where the avx512vnni level is also compiled in (DetectIsa clamps to the build)
  return X86().vbmi && static_cast<int>(DetectIsa()) >= static_cast<int>(Isa::kAvx512Vnni);
#else
  return false;
#endif
}

std::string AvailableIsas() {
  std::string s;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kAmx, Isa::kNeon, Isa::kDotprod})
    if (IsaAvailable(i)) s += (s.empty() ? "" : ",") + std::string(IsaName(i));
  return s;
}

Status ResolveIsa(const std::string& requested, Isa* out) {
  std::string want = requested;
  if (want.empty() || want == "auto") {
    const char* env = std::getenv("EQ_ISA");
    want = env && *env ? env : "auto";
  }
  if (want == "auto") {
    *out = DetectIsa();
    return Status::Ok();
  }
  Isa isa;
  if (!ParseIsa(want, &isa)) return InvalidArgument("unknown ISA '" + want + "' (expected scalar, avx2, avx512vnni, amx, neon or dotprod)");
  if (!IsaAvailable(isa)) return InvalidArgument("ISA '" + want + "' is not available on this CPU/build (available: " + AvailableIsas() + ")");
  *out = isa;
  return Status::Ok();
}

}  // namespace eq
