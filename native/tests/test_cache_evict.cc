// EvictFromCaches (common/cache_evict.h) only moves lines out of the caches: every byte of the
// range, and the bytes around it on its first and last lines, read back unchanged, for
// unaligned starts and ends, one byte, and empty or null ranges.
#include <cstdint>
#include <vector>

#include "common/cache_evict.h"
#include "eqtest.h"

EQ_TEST(cache_evict_keeps_every_byte) {
  std::vector<uint8_t> buf(64 * 40 + 7);
  for (size_t i = 0; i < buf.size(); i++) buf[i] = static_cast<uint8_t>(i * 131u + 7u);
  const std::vector<uint8_t> want = buf;
  const size_t ranges[][2] = {{0, buf.size()}, {1, 63}, {63, 2}, {65, 64 * 17 + 3}, {100, 1}, {5, 0}};
  for (const auto& r : ranges) {
    eq::EvictFromCaches(buf.data() + r[0], r[1]);
    // write through the evicted lines as well: a later store must land as usual
    buf[r[0]] ^= 0x5a;
    buf[r[0]] ^= 0x5a;
    for (size_t i = 0; i < buf.size(); i++) EQ_EXPECT(buf[i] == want[i]) << "byte " << i << " after evicting [" << r[0] << ", +" << r[1] << ")";
  }
  eq::EvictFromCaches(nullptr, 128);  // no-op
}
