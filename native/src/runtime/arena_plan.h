// Where each activation tensor lives in the session's arena. Tensors whose lifetimes (from the
// op that writes them to the last op that reads them) do not overlap share bytes, so the arena
// is close to the largest set of tensors live at once instead of the sum of all of them: a
// 1024x1024 segmentation net needs 0.4 GiB instead of 4 GiB, and small nets keep their working
// set in cache. The model's input and outputs live for the whole run (the caller reads the
// outputs after it).
#pragma once

#include <cstddef>
#include <vector>

#include "format/model.h"

namespace eq {

struct ArenaPlan {
  std::vector<size_t> offsets;  // per tensor (0 for constants)
  size_t total = 0;             // bytes
};

// shared == false: every tensor its own slot (for tests comparing the two plans)
ArenaPlan PlanArena(const Model& m, bool shared = true);

}  // namespace eq
