// Instruction-set levels of the kernel library and run-time CPU dispatch.
// DetectIsa() asks the CPU (cpuid + xgetbv on x86, getauxval(AT_HWCAP) on ARM); the
// environment variable EQ_ISA (scalar|avx2|avx512vnni|amx|neon|dotprod) forces a lower level so
// tests and benchmarks can compare paths on one machine. A forced level the CPU or the build
// lacks is an error, never a silent fallback.
#pragma once

#include <string>

#include "common/status.h"

namespace eq {

// x86 levels are nested (amx implies avx512vnni implies avx2), as are the ARM ones.
enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512Vnni = 2, kAmx = 3, kNeon = 11, kDotprod = 12 };

const char* IsaName(Isa isa);
bool ParseIsa(const std::string& name, Isa* out);
// Best level this CPU and this build support.
Isa DetectIsa();
// True if `isa` can run here (compiled in and supported by the CPU; x86 levels are nested,
// as are the ARM ones).
bool IsaAvailable(Isa isa);
// Resolves a requested level: "" or "auto" → EQ_ISA if set, else DetectIsa().
Status ResolveIsa(const std::string& requested, Isa* out);
// Comma-separated list of the levels IsaAvailable() accepts, best last.
std::string AvailableIsas();
// AVX-512 VBMI (byte permutes), which the avx512vnni level does not imply (Cascade Lake has
// VNNI without it): kernels that use it check this as well as the level.
bool CpuHasAvx512Vbmi();

}  // namespace eq
