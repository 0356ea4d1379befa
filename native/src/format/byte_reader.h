// Bounds-checked little-endian cursor over one section of an EQM file. Every read checks the
// remaining length first; after the first failure all reads return 0 and ok() stays false,
// so parsing code can read a whole record and check once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace eq {

class ByteReader {
 public:
  ByteReader(const uint8_t* base, size_t size) : base_(base), size_(size) {}

  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return ok_ ? size_ - pos_ : 0; }
  const std::string& failed_field() const { return failed_field_; }

  bool Need(size_t n, const char* field) {
    if (!ok_) return false;
    if (n > size_ - pos_) {
      ok_ = false;
      failed_field_ = field;
      return false;
    }
    return true;
  }
  uint8_t U8(const char* field) {
    if (!Need(1, field)) return 0;
    return base_[pos_++];
  }
  uint32_t U32(const char* field) {
    if (!Need(4, field)) return 0;
    uint32_t v = static_cast<uint32_t>(base_[pos_]) | (static_cast<uint32_t>(base_[pos_ + 1]) << 8) |
                 (static_cast<uint32_t>(base_[pos_ + 2]) << 16) | (static_cast<uint32_t>(base_[pos_ + 3]) << 24);
    pos_ += 4;
    return v;
  }
  int32_t I32(const char* field) {
    uint32_t u = U32(field);
    int32_t v;
    std::memcpy(&v, &u, 4);
    return v;
  }
  uint64_t U64(const char* field) {
    uint64_t lo = U32(field);
    uint64_t hi = U32(field);
    return lo | (hi << 32);
  }
  float F32(const char* field) {
    uint32_t u = U32(field);
    float v;
    std::memcpy(&v, &u, 4);
    return v;
  }
  double F64(const char* field) {
    uint64_t u = U64(field);
    double v;
    std::memcpy(&v, &u, 8);
    return v;
  }
  void Skip(size_t n, const char* field) {
    if (Need(n, field)) pos_ += n;
  }

 private:
  const uint8_t* base_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
  std::string failed_field_;
};

}  // namespace eq
