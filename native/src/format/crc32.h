// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table driven.
#pragma once

#include <cstddef>
#include <cstdint>

namespace eq {

uint32_t Crc32(const uint8_t* data, size_t size, uint32_t seed = 0);

}  // namespace eq
