#include "batch.h"

#include <cstring>

#include "util.h"

namespace eqrun {
namespace {
uint32_t Get32(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24); }
}  // namespace

const uint8_t* Batch::sample(uint32_t i) const { return bytes.data() + kBatchHeader + static_cast<size_t>(i) * numel * (dtype == 1 ? 4 : 1); }

Batch ReadBatch(const std::string& path) {
  Batch b;
  b.bytes = ReadFile(path, "input batch");
  if (b.bytes.size() < kBatchHeader || std::memcmp(b.bytes.data(), "EQB1", 4) != 0)
    Fail("input batch " + path + " is not an EQB1 batch file (" + std::to_string(b.bytes.size()) + " bytes)");
  const uint8_t* h = b.bytes.data();
  b.dtype = Get32(h + 4);
  b.count = Get32(h + 8);
  b.numel = Get32(h + 12);
  std::memcpy(&b.scale, h + 16, 4);
  if (b.dtype != 1 && b.dtype != 2) Fail("input batch " + path + ": unknown dtype " + std::to_string(b.dtype) + " (1 float32, 2 int8)");
  if (b.dtype == 2 && !(b.scale > 0.f)) Fail("input batch " + path + ": int8 batch needs a positive scale");
  const uint64_t want = kBatchHeader + uint64_t(b.count) * b.numel * (b.dtype == 1 ? 4 : 1);
  if (want != b.bytes.size())
    Fail("input batch " + path + " has " + std::to_string(b.bytes.size()) + " bytes; its header (" + std::to_string(b.count) + " samples of " +
         std::to_string(b.numel) + " " + (b.dtype == 1 ? "float32" : "int8") + ") needs " + std::to_string(want));
  return b;
}

}  // namespace eqrun
