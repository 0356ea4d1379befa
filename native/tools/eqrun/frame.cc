#include "frame.h"

#include <algorithm>

#include "format/crc32.h"

namespace eqrun {
namespace {
void Put32(std::vector<uint8_t>* v, uint32_t x) {
  for (int i = 0; i < 4; i++) v->push_back(static_cast<uint8_t>(x >> (8 * i)));
}
uint32_t Get32(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24); }
uint8_t Crc8Update(uint8_t c, uint8_t b) {
  c ^= b;
  for (int i = 0; i < 8; i++) c = static_cast<uint8_t>((c & 0x80) ? (c << 1) ^ 0x07 : c << 1);
  return c;
}
}  // namespace

uint8_t HeaderCheck(const uint8_t* h) {
  uint8_t c = Crc8Update(0, h[2]);
  for (int i = 4; i < 12; i++) c = Crc8Update(c, h[i]);
  return c;
}

std::vector<uint8_t> EncodeFrame(uint8_t type, uint32_t seq, const uint8_t* payload, size_t n) {
  std::vector<uint8_t> f;
  f.reserve(kHeaderSize + n + kTrailerSize);
  f.push_back(kMagic0);
  f.push_back(kMagic1);
  f.push_back(type);
  f.push_back(0);
  Put32(&f, seq);
  Put32(&f, static_cast<uint32_t>(n));
  f[3] = HeaderCheck(f.data());
  f.insert(f.end(), payload, payload + n);
  Put32(&f, eq::Crc32(f.data() + 2, f.size() - 2));
  return f;
}

void FrameDecoder::Timeout(std::vector<Frame>* out) {
  if (buf_.empty()) return;
  bad_++;
  buf_.erase(buf_.begin());
  Push(nullptr, 0, out);
}

void FrameDecoder::Push(const uint8_t* data, size_t n, std::vector<Frame>* out) {
  if (n) buf_.insert(buf_.end(), data, data + n);
  size_t pos = 0;
  for (;;) {
    // find the magic
    while (pos < buf_.size() && !(buf_[pos] == kMagic0 && (pos + 1 == buf_.size() || buf_[pos + 1] == kMagic1))) pos++;
    if (buf_.size() - pos < kHeaderSize) break;
    const uint8_t* h = buf_.data() + pos;
    const uint32_t len = Get32(h + 8);
    if (len > kMaxPayload || h[3] != HeaderCheck(h)) {
      bad_++;
      pos++;
      continue;
    }
    const size_t total = kHeaderSize + len + kTrailerSize;
    if (buf_.size() - pos < total) break;
    if (eq::Crc32(h + 2, kHeaderSize - 2 + len) != Get32(h + kHeaderSize + len)) {
      bad_++;
      pos++;
      continue;
    }
    Frame f;
    f.type = h[2];
    f.seq = Get32(h + 4);
    f.payload.assign(h + kHeaderSize, h + kHeaderSize + len);
    out->push_back(std::move(f));
    pos += total;
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(std::min(pos, buf_.size())));
}

}  // namespace eqrun
