// EQM op codes: the first byte of every op record (docs/eqm-format.md). The TypeScript side
// has the same numbers in src-main/core/eqm/ops/registry.ts; test/unit/eqm-op-codes.test.ts
// parses this header and fails when the two lists differ in any name or code.
#pragma once

#include <cstdint>

namespace eq {

enum class OpKind : uint8_t {
  kQuantize = 1,
  kDequantize = 2,
  kRequantize = 3,
  kQLinear = 4,
  kQMaxPool = 5,
  kQAvgPool = 6,
  kQRelu = 7,
  kQReshape = 8,
  kQConcat = 9,
  kQAdd = 10,
  kFloat = 11,
  kQLut = 12,
  kQMul = 13,
  kQPad = 14,
  kQResize = 15,
};

}  // namespace eq
