// Input batches and output files of `eqrun infer` (docs/deploy.md, "Batch files"). Little endian.
//
// batch (EQB1): "EQB1" | u32 dtype (1 float32, 2 int8) | u32 count | u32 numel per sample
//               | f32 scale (int8: q = round(x * scale); 0 for float32) | u32 reserved 0 | samples
// output (EQO1): "EQO1" | u32 count | u32 outputs | u32 numel per output ... | float32 data,
//               sample-major (all outputs of sample 0, then sample 1, ...)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eqrun {

struct Batch {
  uint32_t dtype = 1;
  uint32_t count = 0;
  uint32_t numel = 0;
  float scale = 0.f;
  std::vector<uint8_t> bytes;  // whole file
  const uint8_t* sample(uint32_t i) const;
};

constexpr size_t kBatchHeader = 24;
// Reads and checks a batch file (header, sizes), or Fail()s.
Batch ReadBatch(const std::string& path);

}  // namespace eqrun
