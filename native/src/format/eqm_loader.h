// EQM loader: validates every size, offset, index, dims product, op parameter and both CRCs
// before anything is used, and never reads outside [data, data + size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/status.h"
#include "format/model.h"

namespace eq {

Status LoadEqm(const uint8_t* data, size_t size, std::unique_ptr<Model>* out);

}  // namespace eq
