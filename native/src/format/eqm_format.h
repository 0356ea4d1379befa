// EQM v1 constants (layout: docs/eqm-format.md). Mirrors src-main/core/eqm/format.ts.
#pragma once

#include <cstdint>

namespace eq {
namespace eqm {

constexpr uint8_t kMagic[4] = {'E', 'Q', 'M', '1'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFixedHeader = 32;
constexpr uint32_t kSectionEntry = 16;
constexpr uint32_t kMaxSections = 64;

enum SectionId : uint32_t { kStrings = 1, kTensors = 2, kData = 3, kOps = 4, kGraph = 5 };

// limits (same numbers as EQM_LIMITS in format.ts)
constexpr uint32_t kMaxRank = 8;
constexpr uint64_t kMaxElements = 1ull << 28;
constexpr uint32_t kMaxDim = 1u << 24;
constexpr uint32_t kMaxFanIn = 131071;  // 131071 * 128 * 128 < 2^31: int32 sums cannot overflow
constexpr uint32_t kMaxTensors = 1u << 18;
constexpr uint32_t kMaxOps = 1u << 16;
constexpr uint32_t kMaxString = 4096;            // one name / attribute string
constexpr uint64_t kMaxStringBytes = 1ull << 26;  // all strings copied while loading
constexpr uint32_t kMaxList = 1u << 16;
// runtime budgets checked at load time
constexpr uint64_t kMaxArenaBytes = 1ull << 30;
constexpr uint64_t kMaxScratchBytes = 1ull << 30;
constexpr uint64_t kMaxWork = 1ull << 36;  // multiply-adds / window taps of one op
// of one run: a 1024x1024 segmentation net (IS-Net small, 1.6e11 MACs) is a real edge model;
// 2^38 still bounds what a hostile file can make a board do (minutes, not days, even scalar)
constexpr uint64_t kMaxModelWork = 1ull << 38;

}  // namespace eqm
}  // namespace eq
